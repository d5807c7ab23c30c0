"""Step kinds: one registry, filled by the built-in plugin (`builtin.register`) and by third-party plugins."""
