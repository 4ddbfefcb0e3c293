import type { NewProduct } from './shop-api';

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Margaret',
  'Ken',
  'Radia',
  'Linus',
  'Frances',
  'John',
  'Hedy',
  'Tim',
  'Sophie',
  'Guido',
];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Thompson',
  'Perlman',
  'Torvalds',
  'Allen',
  'Backus',
  'Lamarr',
  'Berners-Lee',
  'Wilson',
  'van Rossum',
];
const ADJECTIVES = ['Smoky', 'Crispy', 'Golden', 'Spicy', 'Zesty', 'Hearty', 'Rustic', 'Fresh', 'Toasted', 'Creamy', 'Tangy', 'Herby'];
const NOUNS = ['Melt', 'Bowl', 'Wrap', 'Stack', 'Bite', 'Platter', 'Special', 'Classic', 'Delight', 'Feast'];
const TAGS = ['vegan', 'vegetarian', 'spicy', 'new', 'bestseller', 'gluten-free', 'seasonal'];
/** The seeded catalog's categories, for a catalog that lists none. */
export const FALLBACK_CATEGORIES = ['burgers', 'pizzas', 'salads', 'sides', 'drinks', 'desserts'];

export const personName = () => `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`;

/** A plausible product in `category`, priced in EUR like the seeded catalog (an order is one currency). */
export function sampleProduct(category: string, serial: string): NewProduct {
  const name = `${pick(ADJECTIVES)} ${pick(NOUNS)} ${serial}`;
  return {
    name,
    description: `${name}: generated test data.`,
    category,
    currencyCode: 'EUR',
    amountMinor: 199 + Math.floor(Math.random() * 2800),
    stock: 50 + Math.floor(Math.random() * 950),
    tags: [...new Set([pick(TAGS), pick(TAGS)])],
  };
}
