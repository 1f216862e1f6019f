import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSpanishAgreement, inflectionOf } from './agreement.js';
import { generateCorpus } from './generate.js';
import { agree, esAdj, esAnd, esCount, esList, esPlural } from './spanish.js';

test('plurals: vowels, consonants, z, accents, invariable -s words', () => {
  const cases: [string, string][] = [
    ['mochila', 'mochilas'], ['azul', 'azules'], ['gris', 'grises'], ['marrón', 'marrones'], ['frágil', 'frágiles'],
    ['luz', 'luces'], ['lunes', 'lunes'], ['miércoles', 'miércoles'], ['inglés', 'ingleses'], ['sábado', 'sábados'],
  ];
  for (const [sg, pl] of cases) assert.equal(esPlural(sg), pl, sg);
});

test('adjective forms agree in gender and number', () => {
  assert.deepEqual(esAdj('rojo'), { msg: 'rojo', fsg: 'roja', mpl: 'rojos', fpl: 'rojas' });
  assert.deepEqual(esAdj('verde'), { msg: 'verde', fsg: 'verde', mpl: 'verdes', fpl: 'verdes' });
  assert.equal(agree(esAdj('marrón'), 'f', 'pl'), 'marrones');
  assert.equal(esCount(1, 'f'), 'una');
  assert.equal(esCount(1, 'm'), 'un');
  assert.equal(esAnd('impermeable'), 'e');
  assert.equal(esAnd('hielo'), 'y');
  assert.equal(esList(['ligera', 'impermeable']), 'ligera e impermeable');
  assert.equal(esList(['rojo', 'verde', 'azul']), 'rojo, verde y azul');
});

test('the checker reads inflection from endings', () => {
  assert.deepEqual(inflectionOf('rojas'), { g: 'f', n: 'pl' });
  assert.deepEqual(inflectionOf('grises'), { g: null, n: 'pl' });
  assert.deepEqual(inflectionOf('gris'), { g: null, n: 'sg' });
  assert.deepEqual(inflectionOf('hecho'), { g: 'm', n: 'sg' });
});

test('the checker accepts grammatical sentences', () => {
  for (const s of [
    'La tienda roja es muy ligera.',
    'Estas botas grises son impermeables.',
    'Los sacos de dormir negros fueron enviados ayer.',
    'Compré dos mochilas verdes.',
    'La mochila gris es más ligera que la negra.',
    'El hornillo Torvik Pro de Alderpeak no es nada ruidoso.',
    'La chaqueta es ligera e impermeable.',
    'Nuestra botella de agua está bien hecha.',
    'Un par de guantes rojos.',
  ]) {
    const r = checkSpanishAgreement(s);
    assert.deepEqual(r.errors, [], s);
    assert.ok(r.checks > 0, `nothing checked in '${s}'`);
  }
});

test('the checker catches disagreement', () => {
  const bad: [string, RegExp][] = [
    ['La tienda rojo es ligera.', /rojo/],
    ['Los botas son cómodas.', /determiner 'los'/],
    ['Las botas es cómodas.', /verb number/],
    ['La mochila es pesado.', /pesado/],
    ['El saco de dormir es cálida.', /cálida/],
    ['La mochila gris es más ligera que la negro.', /negro/],
    ['La chaqueta es ligera y impermeable.', /use 'e'/],
    ['Compré dos mochilas verde.', /verde/],
    ['Una hornillo.', /determiner 'una'/],
  ];
  for (const [s, re] of bad) {
    const r = checkSpanishAgreement(s);
    assert.ok(r.errors.some((e) => re.test(e)), `'${s}': ${JSON.stringify(r.errors)}`);
  }
});

test('all generated Spanish agrees: translations, descriptions, reviews', () => {
  const c = generateCorpus({ seed: 11, scale: 0.05 });
  const spanish = [...c.splits.train, ...c.splits.test].flatMap((r) => {
    if (r.lang === 'en-es') return [r.output];
    if (r.lang === 'es-en') return [r.input];
    if (r.lang === 'es') return [r.task === 'description' ? r.output : r.input];
    return [];
  });
  assert.ok(spanish.length > 600, `only ${spanish.length} Spanish texts`);
  let checks = 0;
  const errors: string[] = [];
  for (const s of spanish) {
    const r = checkSpanishAgreement(s);
    checks += r.checks;
    for (const e of r.errors) errors.push(`${e} in: ${s}`);
  }
  assert.deepEqual(errors.slice(0, 10), []);
  // The checker must actually be exercised: on average more than one relation per text.
  assert.ok(checks > spanish.length * 1.5, `${checks} checks over ${spanish.length} texts`);
});
