"""How the team's production files were made: the churn classifier trained for a few epochs on the churn
data with tf.keras 2.15, saved as HDF5 and as a .keras archive, with the inputs the gate checks them on and a
small labelled batch for training on from the loaded state.  Run once, from examples/team, in TF 2.15:

    PYTHONPATH=. ../../.tox/tf215/bin/python models/make_production_files.py

The files are committed: they stand for what a team already ships, written by the version it runs today.
"""
from __future__ import annotations

import pathlib

import numpy as np
import tensorflow as tf
from team.models import churn_classifier, churn_data

HERE = pathlib.Path(__file__).resolve().parent


def main() -> None:
    tf.keras.utils.set_random_seed(7)
    data = churn_data(seed=3)
    model = churn_classifier()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(data["x"], data["y"], epochs=20, batch_size=32, verbose=0)
    model.save(HERE / "churn.h5")
    model.save(HERE / "churn.keras")
    np.savez(HERE / "churn_inputs.npz", data["x_test"][:16])  # the customers the outputs are recorded on
    np.savez(HERE / "churn_batch.npz", x=data["x_test"][16:48], y=data["y_test"][16:48])
    print("test accuracy", model.evaluate(data["x_test"], data["y_test"], verbose=0)[1])


if __name__ == "__main__":
    main()
