"""Vector + keyword indexes: an embedded one on local disk (default) and Qdrant."""
