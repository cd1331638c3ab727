"""Importing this module builds what every page needs, once, in this process: the boilerplate rules, the
outlet registry, the gazetteer, the lexicon, the relevance model and Kiwi's model (``pipeline.warm_up``).

A LocalCluster's worker processes are forked from a server process that imported it
(flows/execution.py, ``worker_start = "forkserver"``): each worker then starts with all of it built,
sharing its memory pages with its siblings, instead of importing and loading it again (~13 s of CPU and
~0.6 GB per worker). Imports nothing of Prefect: the workers read Prefect's settings from the
environment their nanny gives them, after the fork.
"""
from extractors.pipeline import warm_up

warm_up()
