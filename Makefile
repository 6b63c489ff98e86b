# tpmm: two commands set everything up on a fresh machine.
#   make demo   install (if needed), make demo data, train, evaluate, print the results tables
#               (detection + segmentation, then tracking)
#   make test   install (if needed), run the test suite
PYTHON := .venv/bin/python

.PHONY: setup test demo clean-venv

setup:
	@bash scripts/setup_env.sh

test: setup
	@$(PYTHON) -m pytest tests -q -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; that is a failure here" >&2; fi; \
	exit $$rc

demo: setup
	@$(PYTHON) tools/demo.py
	@$(PYTHON) tools/demo_tracking.py

clean-venv:
	rm -rf .venv
