"""glacier-minio: buckets on MinIO and other S3-compatible object stores (an example
third-party Glacier plugin, written only against ``glacier.plugin``)."""

__version__ = "0.1.0"
