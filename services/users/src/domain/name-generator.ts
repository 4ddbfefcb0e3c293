import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'Crispy', 'Spicy', 'Golden', 'Smoky', 'Zesty', 'Cheesy', 'Sunny', 'Frosty', 'Salty', 'Sweet',
  'Tangy', 'Toasty', 'Minty', 'Peppery', 'Juicy', 'Crunchy', 'Velvet', 'Rustic', 'Lucky', 'Brave',
  'Swift', 'Quiet', 'Clever', 'Jolly', 'Mighty', 'Cosmic', 'Nimble', 'Witty', 'Happy', 'Bold',
];
const NOUNS = [
  'Otter', 'Falcon', 'Panda', 'Badger', 'Heron', 'Lynx', 'Koala', 'Fox', 'Walrus', 'Gecko',
  'Pretzel', 'Waffle', 'Noodle', 'Pickle', 'Muffin', 'Taco', 'Dumpling', 'Bagel', 'Nacho', 'Biscuit',
  'Comet', 'Harbor', 'Maple', 'Cedar', 'River', 'Summit', 'Meadow', 'Canyon', 'Ember', 'Breeze',
];

/** Random display names like "Crispy Otter 42" (seed 003's name generator). */
export function suggestNames(count: number): string[] {
  return Array.from({ length: count }, () =>
    `${ADJECTIVES[randomInt(ADJECTIVES.length)]} ${NOUNS[randomInt(NOUNS.length)]} ${randomInt(10, 100)}`,
  );
}
