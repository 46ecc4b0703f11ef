// A coarse clock for deadlines and time stamps: read a variable instead of calling
// Date.now() several times per request. Refreshed every 50 ms while any listener runs;
// pound's limits are whole seconds.
let now = Date.now();
let users = 0;
let timer: NodeJS.Timeout | undefined;

export function coarseNow(): number {
  return now;
}

export function startClock(): void {
  if (users++ === 0) {
    now = Date.now();
    timer = setInterval(() => { now = Date.now(); }, 50);
    timer.unref();
  }
}

export function stopClock(): void {
  if (--users <= 0) {
    users = 0;
    clearInterval(timer);
    timer = undefined;
  }
}
