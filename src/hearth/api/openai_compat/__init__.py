"""The OpenAI-compatible surface (`/v1`), so existing OpenAI clients work against Hearth unchanged."""
