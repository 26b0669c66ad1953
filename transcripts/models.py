"""Printed documents (class book, results summary, teacher's book, học bạ, register) — issue 8."""
