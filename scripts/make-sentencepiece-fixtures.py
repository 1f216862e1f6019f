#!/usr/bin/python3
"""Trains small SentencePiece models on text written for lmkit and records the
reference ids, so the tests can check lmkit's .model reader without Python.

Run with Debian's python3-sentencepiece:  /usr/bin/python3 scripts/make-sentencepiece-fixtures.py
Writes test/fixtures/tokenizers/spm-*.model and spm-cases.json.
"""
import json
import os
import random
import tempfile

import sentencepiece as spm

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'tokenizers')

WORDS = {
    'en': 'the model reads text and writes tokens while the trainer counts pairs of bytes in every word it sees '
          'small vocabularies need careful merges because rare words break into many pieces quickly'.split(),
    'de': 'der Tokenizer zerlegt Wörter in Stücke und die Größe des Vokabulars bestimmt wie lang die Folgen werden'.split(),
    'zh': '模型 读取 文本 并且 输出 词元 训练 数据 很多 语言 计算 速度'.split(),
    'ja': 'モデル は テキスト を 読んで トークン に 分けます 日本語 も 大丈夫'.split(),
    'num': '0 1 2 3 12 42 123 2024 3.14 1,000 99%'.split(),
}


def corpus(seed: int) -> str:
    rnd = random.Random(seed)
    with open(os.path.join(OUT, 'multilingual.txt'), encoding='utf-8', newline='') as f:
        lines = [l for l in f.read().split('\n') if l.strip()]
    for _ in range(400):
        lang = rnd.choice(['en', 'en', 'de', 'zh', 'ja', 'num'])
        sep = '' if lang in ('zh', 'ja') else ' '
        n = rnd.randint(4, 14)
        lines.append(sep.join(rnd.choice(WORDS[lang] + WORDS['num']) for _ in range(n)))
    return '\n'.join(lines) + '\n'


MODELS = {
    # Llama 2 style: BPE, byte fallback, no normalization, whitespace kept as is, digits split.
    'spm-bpe-bytefallback': dict(model_type='bpe', vocab_size=1000, byte_fallback=True, normalization_rule_name='identity',
                                 add_dummy_prefix=True, remove_extra_whitespaces=False, split_digits=True,
                                 character_coverage=0.98, user_defined_symbols=[]),
    # SentencePiece defaults: unigram with nmt_nfkc normalization (a precompiled charsmap).
    'spm-unigram': dict(model_type='unigram', vocab_size=1000, character_coverage=0.9995),
    # BPE with defaults: nmt_nfkc, extra whitespace removed, unknown characters become <unk>.
    'spm-bpe-nfkc': dict(model_type='bpe', vocab_size=700, character_coverage=0.98),
}

EXTRA = ['', ' ', '  ', '   leading and trailing   ', 'a  b   c', '\t tab\tand\nnewline ', 'ｶﾀｶﾅ ｈａｌｆ①②ﬁﬂ ™ ㍿',
         'unknown: 🦄🦄 ꙮ ∰ ⅷ', 'mixed 日本語とEnglish123', '▁already▁escaped', 'x' * 80, '<s> </s> <unk>',
         'Ä\u0308 e\u0301 \u00a0nbsp\u200bzero-width', '\r\n\r\n', 'über GRÖSSE straße']


def cases(sp, rnd) -> list:
    with open(os.path.join(OUT, 'multilingual.txt'), encoding='utf-8', newline='') as f:
        text = f.read()
    alphabet = list('abcdefxyz ABC äöüß 0123456789 .,!?-_/ \t\n') + ['中', '語', 'モ', 'ル', '🦄', '😀', 'é', 'e\u0301', 'ｶ', '①', '  ', '\u3000']
    inputs = text.split('\n') + [text] + EXTRA
    for _ in range(150):
        inputs.append(''.join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 30))))
    out = []
    for s in inputs:
        ids = sp.encode(s)
        out.append({'text': s, 'ids': ids, 'decoded': sp.decode(ids)})
    return out


def main() -> None:
    text = corpus(1)
    result = {'sentencepiece_version': spm.__version__, 'models': {}}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'corpus.txt')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        for name, opts in MODELS.items():
            prefix = os.path.join(tmp, name)
            spm.SentencePieceTrainer.train(input=path, model_prefix=prefix, hard_vocab_limit=False,
                                           num_threads=1, minloglevel=2, **opts)
            with open(prefix + '.model', 'rb') as f:
                blob = f.read()
            with open(os.path.join(OUT, name + '.model'), 'wb') as f:
                f.write(blob)
            sp = spm.SentencePieceProcessor(model_file=prefix + '.model')
            result['models'][name] = {'vocab_size': sp.get_piece_size(), 'bos_id': sp.bos_id(), 'eos_id': sp.eos_id(),
                                      'unk_id': sp.unk_id(), 'cases': cases(sp, random.Random(7))}
    with open(os.path.join(OUT, 'spm-cases.json'), 'w', encoding='utf-8') as f:
        json.dump(result, f, ensure_ascii=False, indent=0)
        f.write('\n')


if __name__ == '__main__':
    main()
