/**
 * Escaping for every string that reaches a GitHub body (PR comment, check run, drift issue,
 * apply report). Names, paths and messages come from manifests, devices and errors: they
 * must show as typed and never become HTML (`<img src=…>`, an unclosed `<!--` hiding the
 * rest), a link or image, a heading or fence, or a mention that pings people (`@team`).
 *
 * Our own messages carry `code` spans on purpose; `inline` keeps well-formed ones (their
 * content is inert) and escapes everything else.
 */

/** Zero-width joiner: `@\u200Dteam` reads as @team but mentions no one. */
const ZWJ = "\u200D";

const oneLine = (text: string) => text.replace(/[\r\n\u2028\u2029]+/g, " ");
const noMentions = (text: string) => text.replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWJ}`);

/** Text inside HTML (`<summary>`, `<b>`): entities only; Markdown is not parsed there. */
export function htmlText(value: string): string {
  return noMentions(oneLine(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"));
}

/** Prose outside code spans: HTML, links, images, stray backticks and mentions made inert. */
function prose(text: string): string {
  const escaped = text
    .replace(/\\/g, "\\\\")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([`[\]])/g, "\\$1");
  return noMentions(escaped);
}

// A code span we keep: one backtick, no backtick or line break inside, not part of a longer run.
const CODE_SPAN = /(?<!`)`[^`\n]+`(?!`)/g;

/** One line of Markdown from text that may hold `code` spans (messages, notes, hints). */
export function inline(value: string): string {
  const text = oneLine(value);
  let out = "";
  let last = 0;
  for (const match of text.matchAll(CODE_SPAN)) {
    out += prose(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + prose(text.slice(last));
}

/** A value shown as inline code (a name, a path): nothing in it can end the span. */
export function code(value: string): string {
  const text = oneLine(value).replace(/`/g, "'");
  return text.trim() === "" ? "`\u00A0`" : `\`${text}\``;
}

/** A table cell: `inline`, and pipes (even inside code spans) cannot split the row. */
export function cell(value: string): string {
  return inline(value).replace(/\|/g, "\\|");
}

/** `code` for a table cell. */
export function codeCell(value: string): string {
  return code(value).replace(/\|/g, "\\|");
}

/** A fenced block that the text cannot close (its fence is longer than any backtick run in it). */
export function codeBlock(value: string): string {
  const longest = Math.max(0, ...[...value.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}text\n${value}\n${fence}`;
}
