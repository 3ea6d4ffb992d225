"""The Threagile rule pack: Threagile's 42 built-in risk categories, RAA and risk tracking over a Threagile model
(``threatmodel.interchange.threagile``), with Threagile-shaped outputs. Pure Python, no Django."""
