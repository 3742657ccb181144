"""The AI analyst (JOMP): a versioned prompt over the week's figures, a schema'd answer, checks, and the allowed actions.

No Dagster and no HTTP here: the caller passes the chat call in (`run.analyse`),
so the same code runs against the sandbox's fake, OpenAI, vLLM or Ollama.
"""
