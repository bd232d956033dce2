"""The gate's reports: results.json per environment, figures, the cross-version index, the upgrade diff.

Only ``plugin`` runs inside a TensorFlow environment (it is a pytest plugin the gate loads);
``index`` and ``diff`` read results.json files and need neither TensorFlow nor Keras.
"""
