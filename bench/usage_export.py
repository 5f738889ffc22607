#!/usr/bin/env python3
"""Writes a made-up OpenRouter activity export for the /usage benchmark.

    python3 bench/usage_export.py ROWS OUT.csv[.gz]

The columns are the documented ones (../shared/formats/usage-exports.md). The traffic is a
plausible mix, not anyone's real usage: a dozen current models across the providers
OpenRouter routes them to, a free variant, prompt sizes spread log-normally from a few
hundred tokens to past every long-context threshold (200k, 272k), cache reads on part of the
prompt, and costs with many decimals. A fixed seed makes the file the same on every run.
The output is gzip-compressed when its name ends in .gz. Generated files stay out of git.
"""

import csv
import gzip
import random
import sys
from datetime import datetime, timedelta

HEADER = (
    "generation_id,created_at,cost_total,cost_web_search,cost_cache,cost_file_processing,"
    "byok_usage_inference,tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,"
    "model_permaslug,provider_name,variant,cancelled,streamed,user,finish_reason_raw,"
    "finish_reason_normalized,generation_time_ms,time_to_first_token_ms,api_key_disabled,"
    "api_key_name,app_name"
).split(",")

# (permaslug, share of traffic, context window, $ per million in, $ per million out,
#  [(provider, share)], reasons before it answers)
MODELS = [
    ("anthropic/claude-4-sonnet-20250522", 0.20, 1_000_000, 3.0, 15.0,
     [("Anthropic", 0.6), ("Google Vertex", 0.25), ("Amazon Bedrock", 0.15)], False),
    ("openai/gpt-4o-2024-08-06", 0.12, 128_000, 2.5, 10.0,
     [("OpenAI", 0.8), ("Azure", 0.2)], False),
    ("openai/gpt-5-2025-08-07", 0.10, 400_000, 1.25, 10.0, [("OpenAI", 1.0)], True),
    ("openai/gpt-4o-mini-2024-07-18", 0.10, 128_000, 0.15, 0.6, [("OpenAI", 1.0)], False),
    ("google/gemini-2.5-pro", 0.10, 1_048_576, 1.25, 10.0,
     [("Google AI Studio", 0.7), ("Google Vertex", 0.3)], True),
    ("google/gemini-2.5-flash", 0.08, 1_048_576, 0.3, 2.5,
     [("Google AI Studio", 0.8), ("Google Vertex", 0.2)], True),
    ("deepseek/deepseek-chat-v3-0324", 0.08, 163_840, 0.27, 1.1,
     [("DeepInfra", 0.4), ("Novita", 0.3), ("DeepSeek", 0.3)], False),
    ("meta-llama/llama-3.3-70b-instruct", 0.07, 131_072, 0.13, 0.39,
     [("DeepInfra", 0.4), ("Groq", 0.3), ("Together", 0.3)], False),
    ("qwen/qwen3-coder-480b-a35b-07-25", 0.06, 262_144, 0.4, 1.6,
     [("Alibaba", 0.5), ("Chutes", 0.5)], False),
    ("x-ai/grok-4-07-09", 0.04, 256_000, 3.0, 15.0, [("xAI", 1.0)], True),
    ("mistralai/mistral-large-2411", 0.03, 131_072, 2.0, 6.0, [("Mistral", 1.0)], False),
    ("moonshotai/kimi-k2-0711", 0.02, 131_072, 0.6, 2.5,
     [("Moonshot AI", 0.5), ("Groq", 0.5)], False),
]

APPS = ["Support bot", "Doc reader, batch", "Coding agent", "Evaluations", ""]
KEYS = ["main, prod", "staging", "batch-key", "notebook"]


def pick(rng, weighted):
    roll = rng.random() * sum(w for _, w in weighted)
    for item, weight in weighted:
        roll -= weight
        if roll <= 0:
            return item
    return weighted[-1][0]


def prompt_size(rng, context):
    """Log-normal around 3,000 tokens, with a long tail past every long-context threshold."""
    if rng.random() < 0.03:
        size = rng.randint(150_000, 900_000)
    else:
        size = int(rng.lognormvariate(8.0, 1.3))
    return max(20, min(size, context - 4_000))


def rows(count, rng):
    start = datetime(2026, 2, 1)
    models = [(m, m[1]) for m in MODELS]
    for n in range(count):
        slug, _, context, price_in, price_out, providers, reasons = pick(rng, models)
        provider = pick(rng, providers)
        variant = "free" if slug.startswith("meta-llama") and rng.random() < 0.3 else "standard"
        prompt = prompt_size(rng, context)
        cached = int(prompt * rng.choice([0, 0, 0.3, 0.6, 0.9]))
        reasoning = rng.randint(0, 4_000) if reasons else 0
        completion = rng.randint(10, 2_000) + reasoning
        cost = 0 if variant == "free" else (
            (prompt - cached) * price_in + cached * price_in / 10 + completion * price_out
        ) / 1_000_000
        created = start + timedelta(seconds=n * 28 * 86_400 // max(count, 1))
        yield [
            f"gen-{n:012d}",
            created.strftime("%Y-%m-%d %H:%M:%S.") + f"{n % 1000:03d}",
            f"{cost:.10f}".rstrip("0").rstrip("."),
            "0", "0", "0", "0",
            prompt, completion, reasoning, cached,
            slug, provider, variant,
            "false", "true",
            f"user-{rng.randint(1, 400)}",
            "stop", "stop",
            rng.randint(200, 60_000), rng.randint(50, 4_000),
            "false",
            rng.choice(KEYS),
            rng.choice(APPS),
        ]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    count, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(27)
    opener = (lambda p: gzip.open(p, "wt", compresslevel=6, newline="")) if out.endswith(".gz") \
        else (lambda p: open(p, "w", newline=""))
    with opener(out) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows(count, rng))


if __name__ == "__main__":
    main()
