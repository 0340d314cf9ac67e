"""(filled in by its family; see docs/adding_an_op.md)"""

__all__ = []
