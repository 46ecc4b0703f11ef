import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexedList } from './indexed-list.js';

interface Item {
  name: string;
  at: number;
}

const item = (name: string): Item => ({ name, at: -1 });
const names = (list: IndexedList<Item>): string[] => [...list].map((x) => x.name).sort();

test('add, delete from the middle, the end and the start; positions stay right', () => {
  const list = new IndexedList<Item>('at');
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item) as [Item, Item, Item, Item];
  for (const x of [a, b, c, d]) list.add(x);
  assert.equal(list.size, 4);
  list.delete(b); // d moves into b's place
  assert.deepEqual(names(list), ['a', 'c', 'd']);
  assert.equal(b.at, -1);
  list.delete(d);
  list.delete(a);
  assert.deepEqual(names(list), ['c']);
  assert.equal(c.at, 0);
  assert.ok(list.has(c) && !list.has(a) && !list.has(d));
});

test('adding twice or deleting what is not there changes nothing', () => {
  const list = new IndexedList<Item>('at');
  const a = item('a');
  const stranger = item('x');
  list.add(a);
  list.add(a);
  list.delete(stranger);
  stranger.at = 0; // a position that another member holds
  list.delete(stranger);
  assert.deepEqual(names(list), ['a']);
});

test('members may be deleted while going through the list (the sweep closes connections)', () => {
  const list = new IndexedList<Item>('at');
  const all = Array.from({ length: 10 }, (_, i) => item(String(i)));
  for (const x of all) list.add(x);
  const seen: string[] = [];
  for (const x of list) {
    seen.push(x.name);
    list.delete(x);
  }
  assert.equal(seen.length, 10);
  assert.equal(list.size, 0);
  list.add(all[3]!);
  list.clear();
  assert.equal(list.size, 0);
  assert.equal(all[3]!.at, -1);
});
