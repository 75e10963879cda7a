/**
 * What counts as "the same value" (docs/assist.md): two texts are the same once both are in
 * Unicode NFKC (full-width letters, digits and spaces become their half-width forms, half-width
 * katakana full-width), runs of white space are one space, the ends are trimmed and case is folded.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/**
 * Tokens for the three-way merge: a run of Latin letters and digits is one token (a word), every
 * other code point (kanji, kana, punctuation) and every run of spaces is one. Merging word by word
 * keeps an English typo fix from splicing letters into another person's edit of the same word;
 * Japanese has no spaces, and each kanji or kana is its own unit of meaning.
 */
export function mergeTokens(text: string): string[] {
  return text.match(/[\p{Script=Latin}\p{Nd}]+|\s+|./gsu) ?? [];
}

/** Code points of the normalized text: the units of "how far is this from the base". */
export function distanceTokens(text: string): string[] {
  return Array.from(normalizeText(text));
}
