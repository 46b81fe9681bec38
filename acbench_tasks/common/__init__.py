"""Pieces shared by several ACBench tasks."""
