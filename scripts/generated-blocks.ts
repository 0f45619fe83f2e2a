/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers. */
export function applyGeneratedBlocks(document: string, blocks: Record<string, string>): string {
  let result = document;
  for (const [name, content] of Object.entries(blocks)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = result.indexOf(open);
    const end = result.indexOf(close);
    if (start < 0 || end < start) throw new Error(`The document lacks the markers of the generated block "${name}".`);
    result = `${result.slice(0, start + open.length)}\n${content}${result.slice(end)}`;
  }
  return result;
}
