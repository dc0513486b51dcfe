#!/usr/bin/python3
"""Drives a live enterprise-catalog server through the generated Python stubs.

Run with Debian's interpreter (/usr/bin/python3, which has python3-grpcio and
python3-protobuf), with the stubs from scripts/gen-python-stubs.sh on
PYTHONPATH. tests/e2e/python_stubs_test.cc starts a server and the
discovery stand-in and runs this file; by hand:

    scripts/gen-python-stubs.sh /tmp/ec-stubs
    PYTHONPATH=/tmp/ec-stubs \\
    ENTERPRISE_CATALOG_ADDRESS=127.0.0.1:50051 \\
    ENTERPRISE_CATALOG_TOKEN=... EC_TEST_ENTERPRISE_UUID=... \\
    EC_TEST_EXPECTED_COUNT=... EC_TEST_KEY_IN=... EC_TEST_KEY_OUT=... \\
    /usr/bin/python3 tests/python/catalog_client_test.py

Environment:
  ENTERPRISE_CATALOG_ADDRESS  host:port of a plaintext gRPC port (required)
  ENTERPRISE_CATALOG_TOKEN    JWT allowed to manage EC_TEST_ENTERPRISE_UUID's
                              catalogs (required)
  EC_TEST_ENTERPRISE_UUID     enterprise that owns the test catalog; it
                              should have no other catalogs (required)
  EC_TEST_CONTENT_FILTER      the catalog's discovery filter as JSON
                              (default {"content_type": "program"})
  EC_TEST_EXPECTED_COUNT      items discovery returns for the filter, >= 3
                              (required)
  EC_TEST_KEY_IN              a content key the filter matches (required)
  EC_TEST_KEY_OUT             a content key it does not match (required)
  EC_TEST_REFRESH_TIMEOUT     seconds to wait for the refresh (default 60)

The test creates one catalog, refreshes it, checks it and deletes it.
"""

import json
import os
import sys
import time
import unittest
import uuid

try:
    import grpc
except ImportError:
    sys.exit("cannot import grpc: run this with /usr/bin/python3 and install "
             "python3-grpcio (apt-get install python3-grpcio)")
from google.protobuf import json_format

try:
    from enterprise_catalog.v1 import catalog_pb2
    from enterprise_catalog.v1 import catalog_service_pb2 as service_pb2
    from enterprise_catalog.v1 import catalog_service_pb2_grpc as service_grpc
except ImportError as e:
    sys.exit("cannot import the generated stubs (%s): run "
             "scripts/gen-python-stubs.sh DIR and put DIR on PYTHONPATH" % e)

RPC_TIMEOUT_SECONDS = 10


def required_env(name):
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError("environment variable %s is required (see the "
                           "docstring of %s)" % (name, __file__))
    return value


class CatalogClientTest(unittest.TestCase):
    """One catalog through its life: create, refresh, read, delete."""

    @classmethod
    def setUpClass(cls):
        cls.address = required_env("ENTERPRISE_CATALOG_ADDRESS")
        cls.token = required_env("ENTERPRISE_CATALOG_TOKEN")
        cls.enterprise_uuid = required_env("EC_TEST_ENTERPRISE_UUID")
        cls.content_filter = json.loads(
            os.environ.get("EC_TEST_CONTENT_FILTER") or
            '{"content_type": "program"}')
        cls.expected_count = int(required_env("EC_TEST_EXPECTED_COUNT"))
        if cls.expected_count < 3:
            raise RuntimeError("EC_TEST_EXPECTED_COUNT must be at least 3 so "
                               "that the metadata takes three pages")
        cls.key_in = required_env("EC_TEST_KEY_IN")
        cls.key_out = required_env("EC_TEST_KEY_OUT")
        cls.refresh_timeout = float(
            os.environ.get("EC_TEST_REFRESH_TIMEOUT") or "60")

        cls.channel = grpc.insecure_channel(cls.address)
        cls.addClassCleanup(cls.channel.close)
        grpc.channel_ready_future(cls.channel).result(timeout=20)
        cls.stub = service_grpc.EnterpriseCatalogServiceStub(cls.channel)
        cls.deleted = False

        catalog = catalog_pb2.Catalog(
            uuid=str(uuid.uuid4()),
            title="Python client test",
            enterprise_uuid=cls.enterprise_uuid,
            enterprise_name="Python client test enterprise",
            enabled_course_modes=["verified", "audit"])
        catalog.content_filter.update(cls.content_filter)
        cls.catalog = cls.call(
            "CreateCatalog", service_pb2.CreateCatalogRequest(catalog=catalog))
        # Delete it even if a later step of the set-up fails;
        # tearDownClass deletes it (and checks that) in the normal case.
        cls.addClassCleanup(cls.delete_if_left)

        # Creating the catalog queued its first crawl; RefreshCatalog joins
        # that job or, if it has already finished, starts another one.
        job = cls.call(
            "RefreshCatalog",
            service_pb2.RefreshCatalogRequest(catalog_uuid=cls.catalog.uuid))
        deadline = time.monotonic() + cls.refresh_timeout
        done = (service_pb2.RefreshJob.SUCCEEDED,
                service_pb2.RefreshJob.FAILED, service_pb2.RefreshJob.HELD)
        while job.state not in done and time.monotonic() < deadline:
            time.sleep(0.05)
            job = cls.call("GetRefreshJob",
                           service_pb2.GetRefreshJobRequest(job_uuid=job.uuid))
        if job.state != service_pb2.RefreshJob.SUCCEEDED:
            raise AssertionError(
                "refresh job %s is %s after up to %.0f s (last_error: %r)" %
                (job.uuid, service_pb2.RefreshJob.State.Name(job.state),
                 cls.refresh_timeout, job.last_error))
        cls.job = job

    @classmethod
    def tearDownClass(cls):
        cls.call("DeleteCatalog",
                 service_pb2.DeleteCatalogRequest(uuid=cls.catalog.uuid))
        cls.deleted = True
        try:
            cls.call("GetCatalog",
                     service_pb2.GetCatalogRequest(uuid=cls.catalog.uuid))
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                raise
        else:
            raise AssertionError("GetCatalog still finds the deleted catalog")

    @classmethod
    def delete_if_left(cls):
        if not cls.deleted:
            cls.call("DeleteCatalog",
                     service_pb2.DeleteCatalogRequest(uuid=cls.catalog.uuid))

    @classmethod
    def call(cls, method, request, token=None):
        """Calls one RPC with the token (or `token`, or none if "")."""
        token = cls.token if token is None else token
        metadata = [("authorization", "JWT " + token)] if token else []
        return getattr(cls.stub, method)(request,
                                         metadata=metadata,
                                         timeout=RPC_TIMEOUT_SECONDS)

    def assert_code(self, code, method, request, token=None):
        with self.assertRaises(grpc.RpcError) as raised:
            self.call(method, request, token=token)
        self.assertEqual(raised.exception.code(), code,
                         raised.exception.details())
        return raised.exception

    def test_created_and_refreshed(self):
        self.assertEqual(self.catalog.enterprise_uuid, self.enterprise_uuid)
        self.assertTrue(self.catalog.catalog_query_uuid)
        self.assertEqual(len(self.catalog.content_filter_hash), 32)
        self.assertEqual(self.job.catalog_query_uuid,
                         self.catalog.catalog_query_uuid)
        self.assertTrue(self.job.HasField("finished"))
        self.assertEqual(self.job.counts.members_after, self.expected_count)

        got = self.call("GetCatalog",
                        service_pb2.GetCatalogRequest(uuid=self.catalog.uuid))
        self.assertEqual(got.content_count, self.expected_count)
        self.assertTrue(got.HasField("content_refreshed"))
        self.assertEqual(json_format.MessageToDict(got.content_filter),
                         self.content_filter)
        self.assertEqual(list(got.enabled_course_modes), ["verified", "audit"])

    def test_contains_content_items(self):
        response = self.call(
            "ContainsContentItems",
            service_pb2.ContainsContentItemsRequest(
                catalog_uuid=self.catalog.uuid,
                content_keys=[self.key_in, self.key_out]))
        self.assertTrue(response.contains_any)
        self.assertFalse(response.contains_all)
        self.assertEqual([(r.content_key, r.contained)
                          for r in response.results],
                         [(self.key_in, True), (self.key_out, False)])

        response = self.call(
            "ContainsContentItems",
            service_pb2.ContainsContentItemsRequest(
                catalog_uuid=self.catalog.uuid, content_keys=[self.key_in]))
        self.assertTrue(response.contains_all)

    def test_customer_contains_content_items(self):
        response = self.call(
            "CustomerContainsContentItems",
            service_pb2.CustomerContainsContentItemsRequest(
                enterprise_uuid=self.enterprise_uuid,
                content_keys=[self.key_in]))
        self.assertTrue(response.contains_any)
        self.assertEqual(list(response.catalog_uuids), [self.catalog.uuid])

        response = self.call(
            "CustomerContainsContentItems",
            service_pb2.CustomerContainsContentItemsRequest(
                enterprise_uuid=self.enterprise_uuid,
                content_keys=[self.key_out]))
        self.assertFalse(response.contains_any)
        self.assertEqual(list(response.catalog_uuids), [])

    def test_catalog_metadata_pages(self):
        # Small enough for at least three pages.
        page_size = max(1, (self.expected_count - 1) // 2)
        request = service_pb2.GetCatalogMetadataRequest(
            catalog_uuid=self.catalog.uuid, page_size=page_size)
        keys = []
        pages = 0
        while True:
            page = self.call("GetCatalogMetadata", request)
            pages += 1
            self.assertLessEqual(pages, self.expected_count + 1,
                                 "the page tokens do not end")
            self.assertEqual(page.total_count, self.expected_count)
            self.assertEqual(page.catalog_uuid, self.catalog.uuid)
            self.assertEqual(page.enterprise_uuid, self.enterprise_uuid)
            self.assertLessEqual(len(page.items), page_size)
            for item in page.items:
                self.assertTrue(item.content_key)
                self.assertIsInstance(json.loads(item.json_metadata), dict)
                keys.append(item.content_key)
            if not page.next_page_token:
                break
            self.assertEqual(len(page.items), page_size)
            request.page_token = page.next_page_token

        self.assertGreaterEqual(pages, 3)
        self.assertEqual(len(keys), len(set(keys)), "duplicates across pages")
        self.assertEqual(len(set(keys)), self.expected_count)
        self.assertIn(self.key_in, keys)
        self.assertNotIn(self.key_out, keys)

    def test_invalid_arguments(self):
        self.assert_code(
            grpc.StatusCode.INVALID_ARGUMENT, "GetCatalogMetadata",
            service_pb2.GetCatalogMetadataRequest(
                catalog_uuid=self.catalog.uuid, page_size=1001))
        self.assert_code(
            grpc.StatusCode.INVALID_ARGUMENT, "ContainsContentItems",
            service_pb2.ContainsContentItemsRequest(
                catalog_uuid="not-a-uuid", content_keys=[self.key_in]))
        # No title.
        catalog = catalog_pb2.Catalog(enterprise_uuid=self.enterprise_uuid)
        catalog.content_filter.update(self.content_filter)
        self.assert_code(grpc.StatusCode.INVALID_ARGUMENT, "CreateCatalog",
                         service_pb2.CreateCatalogRequest(catalog=catalog))

    def test_missing_or_bad_token(self):
        request = service_pb2.GetCatalogRequest(uuid=self.catalog.uuid)
        self.assert_code(grpc.StatusCode.UNAUTHENTICATED, "GetCatalog",
                         request, token="")
        self.assert_code(grpc.StatusCode.UNAUTHENTICATED, "GetCatalog",
                         request, token="not.a.token")


if __name__ == "__main__":
    unittest.main(verbosity=2)
