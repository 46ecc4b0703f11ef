// How pen reads a command line (control port, -o, -F): only the text before the first CR
// or LF counts, words are separated by the space character only (a TAB is part of a word).

export function firstLine(text: string): string {
  const end = text.search(/[\r\n]/);
  return end === -1 ? text : text.slice(0, end);
}

export function tokenise(line: string): string[] {
  return firstLine(line).split(' ').filter((word) => word !== '');
}
