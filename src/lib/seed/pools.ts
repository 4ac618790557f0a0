/**
 * Value pools made once per run with faker (seeded, with a fixed reference date), then picked
 * from with the fast PRNG: calling faker per row is what makes naive seeders slow.
 */

export interface Pools {
  firstNames: string[]
  lastNames: string[]
  sentences: string[]
  paragraphs: string[]
  titles: string[]
  cities: string[]
  urls: string[]
  words: string[]
  fonts: string[]
  colors: string[]
  passwordHashes: string[]
}

/** Every seeded timestamp is relative to this instant, never to the clock. */
export const REFERENCE_DATE = new Date('2026-01-01T00:00:00.000Z')

export async function makePools(seed: number): Promise<Pools> {
  const { Faker, base, en } = await import('@faker-js/faker')
  const faker = new Faker({ locale: [en, base], seed })
  faker.setDefaultRefDate(REFERENCE_DATE)
  const times = <T>(n: number, make: () => T) => Array.from({ length: n }, make)
  return {
    firstNames: times(400, () => faker.person.firstName()),
    lastNames: times(400, () => faker.person.lastName()),
    sentences: times(1500, () => faker.lorem.sentence({ min: 4, max: 14 })),
    paragraphs: times(300, () => faker.lorem.paragraphs({ min: 2, max: 4 })),
    titles: times(600, () => faker.lorem.sentence({ min: 2, max: 6 }).replace(/\.$/, '')),
    cities: times(200, () => `${faker.location.city()}, ${faker.location.countryCode()}`),
    urls: times(300, () => faker.internet.url()),
    words: times(300, () => faker.lorem.word()),
    fonts: [
      'Inter',
      'Roboto',
      'Lora',
      'Merriweather',
      'Fira Sans',
      'Space Mono',
      'Playfair Display',
    ],
    colors: times(120, () => faker.color.rgb({ format: 'hex', casing: 'lower' })),
    passwordHashes: times(50, () => `$2b$10$${faker.string.alphanumeric(53)}`),
  }
}

/** "image_gallery" → "Image gallery": a readable title from a word or an enum value. */
export function titleCase(text: string): string {
  return text.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase())
}
