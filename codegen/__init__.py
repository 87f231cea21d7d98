"""contract-codegen: compile data contracts (protobuf, JSON Schema) into typed Python records,
producers, readers, warehouse models, documentation and packages."""

__version__ = "0.1.0"
