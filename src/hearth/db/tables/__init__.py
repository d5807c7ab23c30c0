"""All tables, imported here so `Base.metadata` is complete for migrations."""

from hearth.db.tables.agents import Agent, AgentRun, AgentRunStep, AgentVersion
from hearth.db.tables.base import Base
from hearth.db.tables.chat import ChatMessage, ChatSession, TokenUsage
from hearth.db.tables.kb import Chunk, Collection, Document, EmbeddingCacheEntry
from hearth.db.tables.jobs import Job, WebhookAttempt, WebhookDelivery, WebhookSubscription
from hearth.db.tables.users import ApiKey, RefreshToken, User
from hearth.db.tables.workflows import WorkflowDefinition, WorkflowDefinitionVersion, WorkflowRun, WorkflowRunStep

__all__ = ["Agent", "AgentRun", "AgentRunStep", "AgentVersion", "ApiKey", "Base", "ChatMessage", "ChatSession", "Chunk", "Collection", "Document",
           "EmbeddingCacheEntry", "Job", "RefreshToken", "TokenUsage", "User",
           "WebhookAttempt", "WebhookDelivery", "WebhookSubscription", "WorkflowDefinition",
           "WorkflowDefinitionVersion", "WorkflowRun", "WorkflowRunStep"]
