"""Threagile model interchange: reader, faithful model view, writer and the mapping to the domain snapshot."""
