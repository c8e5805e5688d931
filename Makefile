# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard wbs/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test lint bench verify translations extract-strings clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

translations: $(STAMP) $(CATALOGUES)

run: translations
	$(BIN)/wbs demo
	$(BIN)/gunicorn --config config/gunicorn.conf.py 'wbs:create_app()'

lint: $(STAMP)
	$(BIN)/ruff check wbs case_admin tests bench migrations
	$(BIN)/mypy wbs case_admin

test: translations lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: translations
	$(BIN)/python -m bench

# Issue 6's harness: fuzzing, hostile input, faults, load, brute force, backups,
# accessibility; needs the local PostgreSQL and Redis (and root for the fault scenarios).
verify: translations
	$(BIN)/python -m bench verify

# Refresh the message template and merge it into the catalogues after changing strings.
# Sorted (update keeps the template's order), without locations, obsolete entries or a
# changing creation date, so that a change of strings gives a small diff.
# tests/test_i18n.py runs this same extraction and checks the Indonesian catalogue.
extract-strings: $(STAMP)
	$(BIN)/pybabel extract --no-location --omit-header --sort-output -F babel.cfg -k _l -k lazy_gettext -o wbs/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date -i wbs/translations/messages.pot -d wbs/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
