"""scikit-learn reference numbers for lib/eval/classifiers (benchmark only).

Fits the paper's four classifiers with scikit-learn defaults on a train CSV,
scores them on a test CSV and prints one JSON object: accuracy, fit and
predict seconds, and the fitted coefficients / feature importances.
scikit-learn is never a runtime or test dependency of the project: test/eval
records the numbers this script printed, bench/classifiers.ts calls it when
Debian's /usr/bin/python3 has sklearn (apt-get install python3-sklearn).

CSV format: header line, 36 feature columns, last column the 0/1 label.

Usage:
  /usr/bin/python3 bench/sklearn/reference.py TRAIN.csv TEST.csv \
      [--trees 10 100] [--seeds 5] [--repeat 1]
"""
import argparse
import json
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1].astype(int)


def timed(make, xtr, ytr, xte, yte, repeat):
    fit_s, pred_s = [], []
    for _ in range(repeat):
        clf = make()
        t0 = time.perf_counter()
        clf.fit(xtr, ytr)
        t1 = time.perf_counter()
        pred = clf.predict(xte)
        t2 = time.perf_counter()
        fit_s.append(t1 - t0)
        pred_s.append(t2 - t1)
    acc = float(np.mean(pred == yte))
    return clf, {"accuracy": acc, "fit_s": min(fit_s), "predict_s": min(pred_s)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("train")
    p.add_argument("test")
    p.add_argument("--trees", type=int, nargs="*", default=[10, 100])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--repeat", type=int, default=1)
    a = p.parse_args()
    xtr, ytr = load(a.train)
    xte, yte = load(a.test)
    out = {"sklearn": sklearn.__version__, "n_train": len(ytr), "n_test": len(yte)}

    for trees in a.trees:
        accs, fits, preds, imps = [], [], [], []
        for seed in range(a.seeds):
            clf, r = timed(lambda: RandomForestClassifier(n_estimators=trees, random_state=seed),
                           xtr, ytr, xte, yte, a.repeat if seed == 0 else 1)
            accs.append(r["accuracy"])
            fits.append(r["fit_s"])
            preds.append(r["predict_s"])
            imps.append(clf.feature_importances_)
        out[f"forest{trees}"] = {
            "accuracy": float(np.mean(accs)), "accuracy_sd": float(np.std(accs)),
            "accuracies": accs, "fit_s": fits[0], "predict_s": preds[0],
            "importances": np.mean(imps, axis=0).tolist(),
        }

    # Every core (joblib threads), for the multi-threaded comparison.
    _, r = timed(lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=-1), xtr, ytr, xte, yte, a.repeat)
    out["forest100_all_cores"] = r

    clf, r = timed(lambda: LogisticRegression(), xtr, ytr, xte, yte, a.repeat)
    r["coef"] = clf.coef_[0].tolist()
    r["intercept"] = float(clf.intercept_[0])
    r["n_iter"] = int(clf.n_iter_[0])
    out["logistic_lbfgs"] = r
    clf, r = timed(lambda: LogisticRegression(max_iter=100000, tol=1e-12), xtr, ytr, xte, yte, 1)
    r["coef"] = clf.coef_[0].tolist()
    r["intercept"] = float(clf.intercept_[0])
    out["logistic_lbfgs_converged"] = r
    clf, r = timed(lambda: LogisticRegression(solver="liblinear"), xtr, ytr, xte, yte, a.repeat)
    r["coef"] = clf.coef_[0].tolist()
    r["intercept"] = float(clf.intercept_[0])
    out["logistic_liblinear"] = r

    clf, r = timed(lambda: LinearSVC(dual=True, max_iter=100000, random_state=0), xtr, ytr, xte, yte, a.repeat)
    r["coef"] = clf.coef_[0].tolist()
    r["intercept"] = float(clf.intercept_[0])
    out["svm"] = r
    # Our default SVM standardizes its features from the training set: this is its counterpart.
    clf, r = timed(lambda: make_pipeline(StandardScaler(), LinearSVC(dual=True, max_iter=100000, random_state=0)), xtr, ytr, xte, yte, a.repeat)
    out["svm_standardized"] = r

    clf, r = timed(lambda: KNeighborsClassifier(), xtr, ytr, xte, yte, a.repeat)
    out["knn"] = r
    print(json.dumps(out))


if __name__ == "__main__":
    main()
