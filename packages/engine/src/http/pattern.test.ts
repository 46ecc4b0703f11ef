import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePattern, translateEre } from './pattern.js';

const ere = (source: string, ignoreCase = false) => {
  const r = compilePattern({ source, ignoreCase, syntax: 'posix-ere' });
  if (!r.ok) throw new Error(r.message);
  return r.matcher;
};

describe('POSIX ERE → JavaScript', () => {
  it('bracket classes, literal ] and - placement, backslash literal inside brackets', () => {
    assert.ok(ere('^[[:alpha:]][[:digit:]]+$').test('a123'));
    assert.ok(!ere('^[[:alpha:]][[:digit:]]+$').test('1a'));
    assert.ok(ere('[]x]').test(']'));
    assert.ok(ere('[^]x]').test('a'));
    assert.ok(!ere('[^]x]').test(']'));
    assert.ok(ere('[a-]').test('-'));
    assert.ok(ere('[\\d]').test('\\'));
    assert.ok(!ere('[\\d]').test('1'), 'backslash is literal inside a POSIX bracket');
    assert.ok(ere('[[:space:][:punct:]]').test('!'));
  });
  it('search semantics, anchors, alternation, intervals, dot matches newline', () => {
    assert.ok(ere('jpg$').test('/a/b.jpg'));
    assert.ok(ere('^/(a|b)/').test('/b/x'));
    assert.ok(ere('^a{2,3}$').test('aaa'));
    assert.ok(!ere('^a{2,3}$').test('aaaa'));
    assert.ok(ere('a.b').test('a\nb'));
  });
  it('stacked quantifiers and ? after a quantifier keep their ERE meaning', () => {
    assert.equal(translateEre('a**').ok, true);
    assert.ok(ere('^a+?$').test('aaa'), 'a+? is (a+)? in ERE, not lazy');
    assert.ok(ere('^(ab)*$').test('abab'));
  });
  it('unmatched ) is literal; braces escaped; GNU word boundaries', () => {
    assert.ok(ere('a)').test('a)'));
    assert.ok(ere('\\<foo\\>').test('a foo b'));
    assert.ok(!ere('\\<foo\\>').test('afoob'));
    assert.ok(ere('\\.php').test('/x.php'));
    assert.ok(!ere('\\.php').test('/xphp'));
  });
  it('ignore case', () => {
    assert.ok(ere('^/admin', true).test('/ADMIN/x'));
    assert.ok(!ere('^/admin').test('/ADMIN/x'));
  });
  it('errors are reported, not thrown', () => {
    for (const bad of ['(', '[abc', '*a', 'a{3,1}', '[[:nope:]]', 'a\\']) {
      assert.equal(compilePattern({ source: bad, ignoreCase: false, syntax: 'posix-ere' }).ok, false, bad);
    }
  });
  it('literal matchers', () => {
    const m = compilePattern({ source: 'Example.COM', ignoreCase: true, syntax: 'exact' });
    assert.ok(m.ok && m.matcher.test('example.com'));
    const p = compilePattern({ source: '/api', ignoreCase: false, syntax: 'prefix' });
    assert.ok(p.ok && p.matcher.test('/api/x') && !p.matcher.test('/x/api'));
  });
});
