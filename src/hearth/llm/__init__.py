"""LLM providers behind one protocol: the bundled llama.cpp model, Ollama, OpenAI-compatible servers
and a scripted fake, wrapped with retries, a circuit breaker and a concurrency cap."""
