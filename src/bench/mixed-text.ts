/**
 * A seeded generator of mixed text for tokenizer benchmarks: prose in several
 * languages and scripts, code, numbers, emoji and odd whitespace, drawn from
 * word lists written for lmkit, plus made-up words from syllables so the
 * vocabulary has a long tail (a word cache should not see only repeats).
 */

const EN = `the of and to in is was for that with as on by at from his her they this which an are be or
had not but were have one all their there been has more when will who would no out so said what up its
about than into them can only other new some could time these two may then do first any my now such like
our over man me even most made after also did many before must through back years where much your way
well down should because each just those people how too little state good very make world still own see
men work long get here between both life being under never day same another know while last might us
great old year off come since against go came right used take three language model training data token
tokenizer vocabulary merge byte encoding decoder attention layer weights gradient optimizer benchmark
quickly carefully although however therefore meanwhile nevertheless library function variable parameter`.split(/\s+/);

const DE = `der die das und nicht sich mit auf für ist eine dem des ein zu von den im auch als wird bei nach
aus noch über einer werden nur wie vor durch oder wenn aber schon mehr haben sein kann Straße Größe Übung
Fußball Äpfel Öffnung Mädchen Brötchen Geschwindigkeitsbegrenzung Donaudampfschifffahrt Wissenschaft
Sprachmodell Zeichenkette Rechenleistung Entwicklung Verantwortung gemütlich natürlich tatsächlich`.split(/\s+/);

const ZH = `我们 你们 他们 今天 明天 学习 机器 模型 数据 训练 语言 文字 计算 速度 世界 中国 北京 上海 问题 时间
工作 生活 朋友 老师 学生 电脑 手机 网络 程序 代码 分词 词表 合并 编码 解码 注意力 梯度 优化 这是 一个 非常
重要 的 了 是 在 不 有 和 人 这 中 大 为 上 个 国 我 以 要 他 时 来 用 们 生`.split(/\s+/);

const JA = `こんにちは ありがとう 日本語 東京 大阪 学校 先生 学生 勉強 電車 時間 今日 明日 機械学習 言語 モデル
データ トークン 辞書 テキスト プログラム コンピュータ です ます した して いる ある から まで より など`.split(/\s+/);

const AR = `مرحبا شكرا العالم اللغة العربية الحاسوب البيانات النموذج التعلم الآلي الكتاب المدرسة الطالب المعلم
اليوم غدا الوقت السرعة الكلمة الجملة في من على إلى عن مع هذا هذه التي الذي`.split(/\s+/);

const RU = `привет спасибо мир язык модель данные обучение скорость время работа жизнь друг учитель студент
компьютер программа код слово предложение в на с по для от из как это что`.split(/\s+/);

const EMOJI = ['😀', '😂', '🥲', '👍', '👍🏽', '🚀', '🔥', '❤️', '🎉', '🤖', '🇩🇪', '🇯🇵', '👨‍👩‍👧', '✨', '🙏', '💡', '📈', '☕'];

const SYLLABLES = `ka ri to na mi su lo ve ra ne bel tor quin sha dro ple ux zar fen gol mar tis sel von kri pa de um`.split(/\s+/);

const CODE = [
  'const {a} = {n};\n',
  'function {a}({b}) {\n  return {b} * {n};\n}\n',
  'if ({a} > {n} && {b} !== null) {\n\t{a} += {b};\n}\n',
  'for (let i = 0; i < {n}; i++) {\n    sum += {a}[i] ** 2;\n}\n',
  'def {a}({b}, *args, **kwargs):\n    """Return {b}."""\n    return {b} + {n}\n\n',
  'SELECT {a}, COUNT(*) FROM {b} WHERE id >= {n} GROUP BY {a};\n',
  '<div class="{a}">{b}</div>\n',
  '{"{a}": {n}, "{b}": [{n}, {n}.5, true, null]}\n',
  '// {a}: {b} ({n}%)\n',
  'https://example.org/{a}/{b}?page={n}&sort=desc\n',
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates at least `bytes` UTF-8 bytes of text, the same for the same seed:
 * 'mixed' (the default) draws from every language, code and emoji; 'english'
 * only English prose with numbers and punctuation.
 */
export function mixedText(bytes: number, seed = 1, kind: 'mixed' | 'english' = 'mixed'): string {
  const rand = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const number = (): string => {
    const r = rand();
    if (r < 0.4) return String(Math.floor(rand() * 100));
    if (r < 0.7) return String(Math.floor(rand() * 1e6));
    if (r < 0.85) return (rand() * 1000).toFixed(2);
    return `${1990 + Math.floor(rand() * 40)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
  };
  const madeUp = (): string => {
    let w = '';
    const n = 2 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) w += pick(SYLLABLES);
    return rand() < 0.2 ? w[0]!.toUpperCase() + w.slice(1) : w;
  };
  const ident = (): string => pick(EN) + (rand() < 0.5 ? pick(['Count', 'Value', '_id', 'List', 'Map', '2']) : '');
  const sentence = (words: readonly string[], sep: string, end: string): string => {
    const n = 5 + Math.floor(rand() * 15);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = rand();
      if (r < 0.08) out.push(number());
      else if (r < 0.2 && sep === ' ') out.push(madeUp());
      else if (r < 0.23 && kind === 'mixed') out.push(pick(EMOJI));
      else out.push(pick(words));
    }
    let s: string;
    if (sep === ' ') {
      s = out.join(sep);
      s = s[0]!.toUpperCase() + s.slice(1);
    } else {
      // Chinese and Japanese: no spaces, but a comma every few words, as in real text.
      s = out.map((w, i) => (i > 0 && i % 4 === 0 ? pick(['，', '、']) : '') + w).join('');
    }
    return s + end;
  };
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const r = kind === 'english' ? rand() * 0.4 : rand();
    let p: string;
    if (r < 0.4) p = sentence(EN, ' ', pick(['. ', '! ', '? ', '.\n', ', and ']));
    else if (r < 0.5) p = sentence(DE, ' ', '. ');
    else if (r < 0.58) p = sentence(ZH, '', '。');
    else if (r < 0.64) p = sentence(JA, '', '。');
    else if (r < 0.7) p = sentence(AR, ' ', '. ');
    else if (r < 0.76) p = sentence(RU, ' ', '. ');
    else if (r < 0.94) p = pick(CODE).replace(/\{a\}/g, ident).replace(/\{b\}/g, ident).replace(/\{n\}/g, number);
    else p = pick(['\n\n', '   ', '\t', '\r\n', '    \n', ' — ', ' (', ') ', '...', ' "', '" ']);
    parts.push(p);
    size += Buffer.byteLength(p);
  }
  return parts.join('');
}
