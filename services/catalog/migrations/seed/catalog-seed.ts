import { seededProductId } from '../../src/domain/product-id';

/**
 * The seeded catalog. Not a migration itself (the migration runner only loads
 * files starting with a digit); the seed migration inserts it, and tests and
 * docs import it to name products by their stable ids.
 */
export const SEEDED_AT = new Date('2026-11-25T00:00:00.000Z');

export const SEED_CATEGORIES = [
  { slug: 'burgers', name: 'Burgers' },
  { slug: 'pizzas', name: 'Pizzas' },
  { slug: 'salads', name: 'Salads' },
  { slug: 'sides', name: 'Sides' },
  { slug: 'desserts', name: 'Desserts' },
  { slug: 'drinks', name: 'Drinks' },
];

type Row = [category: string, name: string, priceMinor: number, stock: number, tags: string[], description: string];

const ROWS: Row[] = [
  [
    'burgers',
    'Classic Cheeseburger',
    950,
    120,
    ['beef', 'cheese', 'bestseller'],
    'Grilled beef patty, aged cheddar, pickles, onions, ketchup and mustard on a toasted brioche bun.',
  ],
  [
    'burgers',
    'Bacon Double Smash',
    1390,
    80,
    ['beef', 'bacon', 'cheese'],
    'Two smashed beef patties with crispy smoked bacon, American cheese and house sauce.',
  ],
  ['burgers', 'Spicy Chicken Burger', 1090, 90, ['chicken', 'spicy'], 'Buttermilk fried chicken thigh, jalapeños, chipotle mayo and crunchy slaw.'],
  [
    'burgers',
    'Mushroom Swiss Burger',
    1190,
    60,
    ['beef', 'mushroom', 'cheese'],
    'Beef patty topped with sautéed mushrooms, melted Swiss cheese and garlic aioli.',
  ],
  ['burgers', 'Veggie Black Bean Burger', 1050, 70, ['vegetarian', 'beans'], 'Smoky black bean and corn patty with avocado, lettuce, tomato and lime crema.'],
  [
    'burgers',
    'Vegan Beyond Burger',
    1250,
    50,
    ['vegan', 'plant-based'],
    'Plant-based patty, vegan cheese, caramelised onions and tomato relish on a vegan bun.',
  ],
  [
    'pizzas',
    'Margherita',
    990,
    100,
    ['vegetarian', 'classic', 'cheese'],
    'San Marzano tomato sauce, fior di latte mozzarella, fresh basil and extra-virgin olive oil.',
  ],
  ['pizzas', 'Pepperoni', 1190, 100, ['pork', 'cheese', 'bestseller'], 'Tomato sauce, mozzarella and generous slices of cup-and-char pepperoni.'],
  ['pizzas', 'Quattro Formaggi', 1290, 60, ['vegetarian', 'cheese'], 'Mozzarella, gorgonzola, fontina and parmigiano on a white base with a drizzle of honey.'],
  ['pizzas', 'Diavola', 1250, 70, ['spicy', 'pork', 'cheese'], 'Spicy salami, Calabrian chilli, tomato sauce and mozzarella for those who like it hot.'],
  [
    'pizzas',
    'Funghi e Tartufo',
    1490,
    40,
    ['vegetarian', 'mushroom', 'truffle'],
    'Wild mushrooms, truffle cream, mozzarella and thyme on a crispy sourdough base.',
  ],
  ['pizzas', 'Hawaiian', 1150, 50, ['pork', 'pineapple', 'cheese'], 'Tomato sauce, mozzarella, cooked ham and roasted pineapple: love it or hate it.'],
  ['salads', 'Caesar Salad', 890, 60, ['chicken', 'classic'], 'Romaine hearts, grilled chicken, parmesan shavings, garlic croutons and Caesar dressing.'],
  ['salads', 'Greek Salad', 820, 60, ['vegetarian', 'feta'], 'Tomatoes, cucumber, red onion, Kalamata olives and a slab of feta with oregano.'],
  [
    'salads',
    'Quinoa Power Bowl',
    1090,
    45,
    ['vegan', 'gluten-free', 'protein'],
    'Quinoa, roasted chickpeas, sweet potato, kale, avocado and tahini-lemon dressing.',
  ],
  ['salads', 'Caprese Salad', 850, 40, ['vegetarian', 'gluten-free', 'cheese'], 'Buffalo mozzarella, heirloom tomatoes, basil and aged balsamic.'],
  [
    'salads',
    'Asian Sesame Noodle Salad',
    940,
    35,
    ['vegan', 'spicy', 'noodles'],
    'Soba noodles, edamame, red cabbage, carrots and a spicy sesame-ginger dressing.',
  ],
  ['salads', 'Cobb Salad', 1150, 30, ['chicken', 'bacon', 'egg'], 'Chicken, bacon, boiled egg, avocado, blue cheese and tomatoes on crisp greens.'],
  [
    'sides',
    'French Fries',
    350,
    300,
    ['vegan', 'potato', 'bestseller'],
    'Hand-cut potatoes, fried twice for a crisp outside and a fluffy middle, with sea salt.',
  ],
  ['sides', 'Sweet Potato Fries', 450, 150, ['vegan', 'potato'], 'Crispy sweet potato fries with smoked paprika and a chipotle dip.'],
  ['sides', 'Onion Rings', 420, 150, ['vegetarian', 'crispy'], 'Beer-battered onion rings with a tangy barbecue dip.'],
  ['sides', 'Mozzarella Sticks', 550, 100, ['vegetarian', 'cheese'], 'Six breaded mozzarella sticks with marinara sauce for dipping.'],
  ['sides', 'Chicken Wings', 790, 90, ['chicken', 'spicy'], 'Eight wings tossed in buffalo sauce, served with celery and blue cheese dip.'],
  ['sides', 'Garlic Bread', 390, 120, ['vegetarian', 'bread'], 'Toasted ciabatta with garlic butter, parsley and a little parmesan.'],
  [
    'desserts',
    'New York Cheesecake',
    620,
    40,
    ['vegetarian', 'cheese', 'classic'],
    'Dense, creamy baked cheesecake on a graham cracker crust with berry compote.',
  ],
  ['desserts', 'Tiramisu', 650, 40, ['vegetarian', 'coffee', 'italian'], 'Espresso-soaked savoiardi layered with mascarpone cream and cocoa.'],
  ['desserts', 'Chocolate Lava Cake', 690, 50, ['vegetarian', 'chocolate'], 'Warm chocolate cake with a molten centre, served with vanilla ice cream.'],
  ['desserts', 'Crème Brûlée', 590, 30, ['vegetarian', 'gluten-free', 'classic'], 'Vanilla custard under a crackling caramelised sugar crust.'],
  ['desserts', 'Apple Pie', 550, 35, ['vegetarian', 'fruit'], 'Cinnamon-spiced apples in a buttery lattice crust, served warm.'],
  ['desserts', 'Vegan Chocolate Mousse', 580, 25, ['vegan', 'chocolate', 'gluten-free'], 'Silky dark chocolate and aquafaba mousse with a pinch of sea salt.'],
  ['drinks', 'Cola', 250, 500, ['soft-drink', 'cold'], 'Classic cola, 330 ml can, served ice-cold.'],
  ['drinks', 'Sparkling Water', 200, 500, ['water', 'cold', 'sugar-free'], 'Natural mineral water with fine bubbles, 500 ml bottle.'],
  ['drinks', 'Fresh Lemonade', 380, 120, ['homemade', 'cold', 'vegan'], 'Freshly squeezed lemons, a little cane sugar and mint.'],
  ['drinks', 'Iced Tea Peach', 320, 200, ['tea', 'cold'], 'Black tea brewed in-house and chilled with ripe peach.'],
  ['drinks', 'Vanilla Milkshake', 520, 80, ['vegetarian', 'dairy', 'sweet'], 'Thick shake of Madagascar vanilla ice cream and whole milk.'],
  ['drinks', 'Craft IPA', 550, 100, ['beer', 'alcohol'], 'Hoppy India pale ale from a local brewery, 330 ml bottle, 6.2% ABV.'],
];

export const SEED_PRODUCTS = ROWS.map(([category, name, priceMinor, stock, tags, description]) => ({
  id: seededProductId(category, name),
  name,
  description,
  category,
  price_minor: priceMinor,
  stock,
  tags,
}));
