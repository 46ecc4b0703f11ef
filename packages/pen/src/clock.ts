/** Local time as pen prints it everywhere: `YYYY-MM-DD HH:MM:SS` (strftime %Y-%m-%d %H:%M:%S). */
export function localTimestamp(date: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
