"""The RDS CA bundle shipped with the app (api/certs) and `ssl_ca=rds` in DATABASE_URL."""

from __future__ import annotations

import ssl

from api.config import RDS_CA_BUNDLE, with_rds_ca


def test_the_bundle_holds_the_rds_and_rds_proxy_authorities():
    context = ssl.create_default_context(cafile=str(RDS_CA_BUNDLE))
    names = {
        dict(part[0] for part in cert["subject"])["commonName"] for cert in context.get_ca_certs()
    }

    assert len(context.get_ca_certs()) >= 100
    # RDS Proxy certificates chain to Amazon Trust Services; RDS instances to rds-ca-*.
    assert {"Amazon Root CA 1", "Starfield Services Root Certificate Authority - G2"} <= names
    assert any(name.startswith("Amazon RDS us-east-1 Root CA RSA2048 G1") for name in names)


def test_ssl_ca_rds_becomes_the_shipped_file_and_other_urls_stay():
    url = "mysql+pymysql://u:p@db.example:3306/taskdesk?ssl_ca=rds&charset=utf8mb4"

    assert with_rds_ca(url) == url.replace("ssl_ca=rds", f"ssl_ca={RDS_CA_BUNDLE}")
    assert with_rds_ca("mysql+pymysql://u@h/t?charset=utf8mb4&ssl_ca=rds").endswith(
        f"&ssl_ca={RDS_CA_BUNDLE}"
    )
    for unchanged in ("sqlite:///x.db", "mysql+pymysql://u@h/t?ssl_ca=/etc/ca.pem&x=rds"):
        assert with_rds_ca(unchanged) == unchanged


def test_the_app_connects_with_the_bundle(monkeypatch):
    from api import create_app

    monkeypatch.setenv("DATABASE_URL", "mysql+pymysql://u:p@db.example/taskdesk?ssl_ca=rds")
    app = create_app({"ENV_NAME": "testing"})

    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith(f"ssl_ca={RDS_CA_BUNDLE}")
