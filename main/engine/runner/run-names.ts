import { randomInt } from 'node:crypto';

// MLflow names unnamed runs "<adjective>-<noun>-<number>"; Baton does the same so runs read alike.
const ADJECTIVES = [
  'able', 'agile', 'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'dapper', 'eager', 'fair',
  'gentle', 'glad', 'grand', 'keen', 'kind', 'lively', 'lucid', 'merry', 'nimble', 'polite', 'quick', 'quiet',
  'rare', 'shy', 'silent', 'smart', 'steady', 'sunny', 'swift', 'tidy', 'vast', 'warm', 'wise', 'zesty',
];
const NOUNS = [
  'ant', 'bass', 'bear', 'bird', 'boar', 'carp', 'cat', 'crab', 'crow', 'deer', 'doe', 'dove', 'eel', 'elk',
  'fish', 'fowl', 'fox', 'frog', 'goat', 'gull', 'hare', 'hawk', 'hen', 'jay', 'lark', 'lynx', 'mole', 'moth',
  'owl', 'ox', 'seal', 'slug', 'snail', 'squid', 'swan', 'toad', 'trout', 'wasp', 'whale', 'wolf', 'wren',
];

export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
