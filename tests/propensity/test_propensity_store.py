import json

import numpy as np
import pytest
import skops.io
from sklearn.preprocessing import FunctionTransformer

from journey_assets.propensity import candidates
from journey_assets.propensity.features import prepare
from journey_assets.propensity.store import TRUSTED_TYPES, ModelStore, ModelStoreError


def test_round_trip_keeps_predictions_and_manifest(tmp_path, fitted_logistic, synthetic_holdout):
    frame, _, _ = synthetic_holdout
    store = ModelStore(tmp_path)
    version = store.save(fitted_logistic, {"engine": "sklearn", "metrics": {"roc_auc": 0.7}})
    loaded = store.load(version)
    assert loaded.version == version
    assert loaded.manifest["engine"] == "sklearn"
    assert loaded.manifest["metrics"] == {"roc_auc": 0.7}
    assert len(loaded.manifest["sha256"]) == 64
    np.testing.assert_array_equal(loaded.predict_proba(frame), fitted_logistic.predict_proba(prepare(frame))[:, 1])
    assert store.versions() == [version]
    assert (tmp_path / "propensity" / version / "model.skops").is_file()


def test_champion_is_none_until_promoted_and_records_why(tmp_path, fitted_logistic):
    store = ModelStore(tmp_path)
    assert store.champion() is None
    first = store.save(fitted_logistic, {})
    second = store.save(fitted_logistic, {})
    assert first != second
    store.promote(first, "first model")
    store.promote(second, "better AUC")
    record = json.loads((tmp_path / "propensity" / "champion.json").read_text())
    assert record["version"] == second and record["reason"] == "better AUC" and record["previous_version"] == first
    assert store.champion().version == second


def test_unknown_version_is_refused(tmp_path):
    with pytest.raises(ModelStoreError, match="no propensity model"):
        ModelStore(tmp_path).load("nope")
    with pytest.raises(ModelStoreError):
        ModelStore(tmp_path).promote("nope", "why not")


def test_a_tampered_model_file_is_refused(tmp_path, fitted_logistic):
    store = ModelStore(tmp_path)
    version = store.save(fitted_logistic, {})
    model_file = tmp_path / "propensity" / version / "model.skops"
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    with pytest.raises(ModelStoreError, match="sha256"):
        store.load(version)


def test_a_model_with_an_untrusted_type_is_refused(tmp_path):
    # a function from outside numpy/scikit-learn: skops would have to import and call it
    untrusted = FunctionTransformer(json.loads)
    store = ModelStore(tmp_path)
    version = store.save(untrusted, {})
    with pytest.raises(ModelStoreError, match="json.loads"):
        store.load(version)


@pytest.mark.parametrize("name", sorted(candidates.CANDIDATES))
def test_every_candidate_needs_only_trusted_types(name, synthetic_train):
    frame, _, label = synthetic_train
    model = candidates.CANDIDATES[name]().fit(prepare(frame), label)
    assert set(skops.io.get_untrusted_types(data=skops.io.dumps(model))) <= set(TRUSTED_TYPES)
