"""Saved views: a named set of task-list filters and a sort, private or shared with a project."""
