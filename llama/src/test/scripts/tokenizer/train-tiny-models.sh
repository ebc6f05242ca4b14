#!/usr/bin/env bash
# Trains the two small SentencePiece BPE models committed under src/test/resources/tokenizer/ (ours, so they
# can be committed, unlike Meta's LLaMA-2 tokenizer.model). Needs Debian's `sentencepiece` (spm_train 0.1.97).
#   tiny-llama-bpe.model: LLaMA-2's exact trainer/normalizer settings (formats.md §2.2), vocab 1000.
#   tiny-features-bpe.model: the features LLaMA does not use: no byte fallback (unknowns -> <unk>), user-defined
#     symbols, an extra control symbol, remove_extra_whitespaces=true.
# Re-running gives identical pieces and scores (SentencePiece's BPE trainer is deterministic).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../resources/tokenizer}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# Corpus: the real (non-symlink) Debian licence texts, plus a few multilingual lines of our own so that the
# vocabulary holds some multi-byte characters and merges.
find /usr/share/common-licenses -maxdepth 1 -type f | LC_ALL=C sort | xargs cat > "$work/corpus.txt"
cat >> "$work/corpus.txt" <<'TEXT'
Größere Änderungen an der Übersetzung wurden überprüft.
Les élèves étudient l'histoire de la région après l'été.
Быстрая коричневая лиса перепрыгивает через ленивую собаку.
Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο.
今日は良い天気です。東京から大阪まで新幹線で行きます。
我们今天在北京学习中文和数学。
TEXT

common=(--model_type=bpe --character_coverage=0.99995 --normalization_rule_name=identity
        --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 --max_sentencepiece_length=16
        --input_sentence_size=0 --shuffle_input_sentence=false --minloglevel=2)
spm_train --input="$work/corpus.txt" --model_prefix="$work/tiny-llama-bpe" --vocab_size=1000 \
  --byte_fallback=true --split_digits=true --add_dummy_prefix=true --remove_extra_whitespaces=false \
  --allow_whitespace_only_pieces=true "${common[@]}"
spm_train --input="$work/corpus.txt" --model_prefix="$work/tiny-features-bpe" --vocab_size=600 \
  --byte_fallback=false --split_digits=false --add_dummy_prefix=true --remove_extra_whitespaces=true \
  --user_defined_symbols='<sep>,[MASK],▁▁' --control_symbols='<ctl>' "${common[@]}"
mkdir -p "$out"
cp "$work/tiny-llama-bpe.model" "$work/tiny-features-bpe.model" "$out/"
echo "wrote $out/tiny-llama-bpe.model $out/tiny-features-bpe.model"
