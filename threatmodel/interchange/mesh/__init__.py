"""Parsers and normalised types for Kubernetes, Istio and Linkerd manifests (pure; see ``kubernetes.py``)."""
