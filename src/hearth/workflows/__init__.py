"""Workflows: validated DAG definitions of typed steps, run on the job queue with a checkpoint per step."""
