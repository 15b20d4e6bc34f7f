"""ct's daily continuous-training pipeline as an Airflow DAG.

The equivalent of the reference DAG ``credit_score_classification_ct``: three tasks in order,
extract -> preprocess -> train, for ``base_dt`` = the start of the data interval in Asia/Seoul.
Each task runs one of ct's step images with ``docker run`` from a BashOperator, so the DAG needs
nothing beyond Airflow itself (no apache-airflow-providers-docker) on the worker: only the
``docker`` CLI and access to the Docker engine that holds the images and the feature store.

Set up once on the Docker host (see docs/containers.md):

    bash scripts/docker-build.sh                  # ct-extract, ct-preprocess, ct-train images
    bash scripts/docker-compose.sh up -d          # feature store on the ct_default network

Settings come from the worker's environment, read when the DAG file is parsed:

    CT_IMAGE_TAG        image tag (default latest)
    CT_NETWORK          Docker network of the feature store (default ct_default)
    CT_REPO             the ct checkout (default: two folders up from this file)
    CT_ENV_FILE_HOST    env file with FEATURE_STORE_URL (default <repo>/compose/ct.env)
    CT_HOME             host project folder (default <repo>/.ct, as compose): artifacts/,
                        model-store/, mlruns/, secrets/feature_store_password
    CT_UID, CT_GID      uid:gid the containers run as (default: the worker's own, `id -u`/`id -g`,
                        so the host folders stay owned by the user that runs Airflow)
    CT_MODEL_NAME       default credit_score_classification

Exit codes are ct's (README): 0 ok, 1 failure, 2 usage error, 3 no input data for base_dt, 4 the
feature store is unreachable (worth a retry), 130 interrupted. Any non-zero code fails the task;
``docker run --rm`` removes the container either way, and on a task timeout or a manual "mark
failed" Airflow's SIGTERM reaches the step (docker run proxies signals), which stops cleanly.

With the Docker provider installed, ``DockerOperator(image="ct-preprocess:latest",
command=[...], user=..., network_mode="ct_default", mounts=[...], auto_remove="success")`` is the
same thing; the command line below is what it would build.
"""

from __future__ import annotations

import os
import shlex
from datetime import timedelta

import pendulum
from airflow import DAG

try:  # Airflow 3: the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

DAG_ID = "credit_score_classification_ct"
MODEL_NAME = os.environ.get("CT_MODEL_NAME", "credit_score_classification")
IMAGE_TAG = os.environ.get("CT_IMAGE_TAG", "latest")
NETWORK = os.environ.get("CT_NETWORK", "ct_default")
# The ct checkout on the worker (this file is <repo>/examples/airflow/...).
REPO = os.environ.get(
    "CT_REPO", os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
)
CT_HOME = os.environ.get("CT_HOME", os.path.join(REPO, ".ct"))
ENV_FILE = os.environ.get("CT_ENV_FILE_HOST", os.path.join(REPO, "compose", "ct.env"))
# Evaluated by bash on the worker at run time unless fixed in the environment.
UID_GID = "{}:{}".format(os.environ.get("CT_UID", "$(id -u)"), os.environ.get("CT_GID", "$(id -g)"))

# base_dt: the data interval's start, as a date in Asia/Seoul (what the reference passed).
BASE_DT = "{{ data_interval_start.in_timezone('Asia/Seoul').strftime('%Y-%m-%d') }}"

# Host folder -> container path (the images' ARTIFACTS_PATH, MODEL_STORE_PATH, MLFLOW_TRACKING_URI).
MOUNTS = {
    "extract": [],
    "preprocess": [("artifacts", "/data/artifacts")],
    "train": [
        ("artifacts", "/data/artifacts"),
        ("model-store", "/data/model-store"),
        ("mlruns", "/data/mlruns"),
    ],
}


def docker_run(step: str) -> str:
    """The bash command that runs one step's image for the interval's base_dt."""
    home = shlex.quote(CT_HOME)
    # Create the host folders as the worker's user first: a folder the Docker daemon creates for
    # a bind mount would belong to root, and the step (running as UID_GID) could not write to it.
    folders = " ".join("{}/{}".format(home, name) for name, _ in MOUNTS[step])
    prepare = "mkdir -p {} && ".format(folders) if folders else ""
    args = [
        "docker run --rm",
        "--user " + UID_GID,
        "--network " + shlex.quote(NETWORK),
        "--env-file " + shlex.quote(ENV_FILE),
        "--label ct.step={} --label ct.model_name={} --label ct.base_dt={}".format(
            step, shlex.quote(MODEL_NAME), BASE_DT
        ),
        # The feature-store password as a file, never in the environment or on a command line.
        "-v {}/secrets/feature_store_password:/run/secrets/feature_store_password:ro".format(home),
    ]
    args += ["-v {}/{}:{}".format(home, name, path) for name, path in MOUNTS[step]]
    args += [
        "ct-{}:{}".format(step, shlex.quote(IMAGE_TAG)),
        "--model_name " + shlex.quote(MODEL_NAME),
        "--base_dt " + BASE_DT,
    ]
    return prepare + " ".join(args)


default_args = {
    "owner": "ct",
    "depends_on_past": True,  # a day's model builds on the previous days' snapshots
    "retries": 1,  # e.g. exit 4: the feature store was restarting
    "retry_delay": timedelta(minutes=5),
}

with DAG(
    dag_id=DAG_ID,
    description="ct: extract -> preprocess -> train for base_dt = data_interval_start (Asia/Seoul)",
    default_args=default_args,
    schedule="0 0 * * *",  # daily at 00:00 Asia/Seoul (the start_date's time zone)
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Seoul"),
    catchup=False,
    max_active_runs=1,  # one base_dt at a time: extract keeps a rolling week of snapshots
    tags=["ct", "mlops", "credit-score"],
) as dag:
    extract = BashOperator(task_id="extract", bash_command=docker_run("extract"))
    preprocess = BashOperator(task_id="preprocess", bash_command=docker_run("preprocess"))
    train = BashOperator(
        task_id="train",
        bash_command=docker_run("train"),
        execution_timeout=timedelta(hours=2),
    )

    extract >> preprocess >> train
