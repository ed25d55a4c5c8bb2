"""`cmake --install`: the installed programs work on their own, and the
installed examples match the daemon (the example config holds the defaults
--help states and starts a server; the systemd unit names the installed
program and passes systemd-analyze verify where that tool exists).

    test_install.py --cmake CMAKE --build-dir BUILD --searchd PATH --indexer PATH --sample FILE
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import unittest

import fhtest
from fhtest import Daemon, TempDir, build_index, hit_ids

CMAKE = None
BUILD_DIR = None


def read_conf(path):
    """The `name = value` settings of a config file, in order (comments and
    blank lines left out), names with '-' for '_'."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, value = line.partition("=")
            assert sep, "not a setting: %r" % line
            out.append((name.strip().replace("_", "-"), value.strip()))
    return out


def help_defaults(searchd):
    """{flag name: default} from `fahras-searchd --help` ("--name ARG  text [default]")."""
    r = subprocess.run([searchd, "--help"], stdout=subprocess.PIPE, timeout=30, check=True)
    out = {}
    for line in r.stdout.decode("utf-8").splitlines():
        m = re.match(r"\s+--([a-z0-9-]+)\s.*?\[([^\]]*)\](?: \{[^}]*\})?$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.root = cls.tmp.__enter__()
        # a space in the prefix: the unit must quote the program's path
        cls.prefix = os.path.join(cls.root, "the prefix")
        # --component: the manifest goes to install_manifest_Unspecified.txt,
        # so that a real install's install_manifest.txt (root's, after a
        # sudo install) is neither overwritten nor in the way
        try:
            r = subprocess.run([CMAKE, "--install", BUILD_DIR, "--prefix", cls.prefix,
                                "--component", "Unspecified"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        except BaseException:
            cls.tmp.__exit__(None, None, None)
            raise
        cls.install_log = r.stdout.decode("utf-8", "replace")
        cls.install_rc = r.returncode
        cls.bindir = os.path.join(cls.prefix, "bin")
        cls.docdir = os.path.join(cls.prefix, "share", "doc", "fahras")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.__exit__(None, None, None)

    def setUp(self):
        self.assertEqual(self.install_rc, 0, self.install_log)

    def test_installed_files(self):
        for prog in ("fahras-indexer", "fahras-searchd"):
            path = os.path.join(self.bindir, prog)
            self.assertTrue(os.access(path, os.X_OK), path)
        # indexer/README.md: the indexer's reference (inputs, reports, exit
        # codes), where README.md's link to it points
        for doc in ("README.md", "docs/PROTOCOL.md", "docs/FORMAT.md", "docs/ANALYSIS.md",
                    "indexer/README.md",
                    "examples/fahras-searchd.conf", "examples/fahras-searchd.service",
                    "examples/news.jsonl"):
            self.assertTrue(os.path.isfile(os.path.join(self.docdir, doc)), doc)

    def test_installed_links_resolve(self):
        # every relative link in the installed Markdown names an installed
        # file: the documents keep the source tree's layout
        link = re.compile(r"\]\(([^)\s]+)\)")
        seen = 0
        for top, _, files in os.walk(self.docdir):
            for name in files:
                if not name.endswith(".md"):
                    continue
                path = os.path.join(top, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for target in link.findall(text):
                    if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                        continue  # a URL or an anchor in the same file
                    seen += 1
                    file = os.path.join(top, target.split("#", 1)[0])
                    self.assertTrue(os.path.isfile(file),
                                    "%s links to %s, not installed" %
                                    (os.path.relpath(path, self.docdir), target))
        self.assertGreaterEqual(seen, 4)  # README.md's four links at least

    def test_installed_programs_match_the_build(self):
        for prog, built in (("fahras-indexer", fhtest.INDEXER), ("fahras-searchd", fhtest.SEARCHD)):
            got = subprocess.run([os.path.join(self.bindir, prog), "--version"],
                                 stdout=subprocess.PIPE, timeout=30, check=True).stdout
            want = subprocess.run([built, "--version"], stdout=subprocess.PIPE, timeout=30,
                                  check=True).stdout
            self.assertEqual(got, want)
            self.assertIn(b"analyzer version", got)

    def test_example_config_states_the_defaults(self):
        defaults = help_defaults(fhtest.SEARCHD)
        self.assertIn("max-connections", defaults)  # the --help format was understood
        settings = read_conf(os.path.join(self.docdir, "examples", "fahras-searchd.conf"))
        names = [n for n, _ in settings]
        self.assertEqual(len(names), len(set(names)))
        self.assertIn("index", names)
        for name, value in settings:
            if name == "index":
                continue  # required, no default
            self.assertIn(name, defaults, "%s is no fahras-searchd setting" % name)
            self.assertEqual(value, defaults[name], "%s: the example says %s, --help %s"
                             % (name, value, defaults[name]))

    def test_installed_programs_serve_with_the_example_config(self):
        """The installed indexer builds the installed sample; the installed
        daemon starts from the example config and answers (flags override
        its index, address and threads, and add a port file)."""
        index = os.path.join(self.root, "index")
        sample = os.path.join(self.docdir, "examples", "news.jsonl")
        conf = os.path.join(self.docdir, "examples", "fahras-searchd.conf")
        saved = fhtest.INDEXER, fhtest.SEARCHD
        fhtest.INDEXER = os.path.join(self.bindir, "fahras-indexer")
        fhtest.SEARCHD = os.path.join(self.bindir, "fahras-searchd")
        try:
            build_index(index, sample)
            with Daemon(index, "--config", conf, workdir=self.root, log_level=None) as d:
                with d.client() as c:
                    r = c.request("SEARCH limit=3 الشركات الصينية")
                    self.assertEqual(len(hit_ids(r)), 3, r)
                    st = c.request("STATS")
                    self.assertIn("index", st)
                port = d.port
                self.assertEqual(d.stop(), 0)
            self.assertIn("listening on 127.0.0.1:%d" % port, d.logtext())
        finally:
            fhtest.INDEXER, fhtest.SEARCHD = saved

    def test_systemd_unit_names_the_installed_program(self):
        unit = os.path.join(self.docdir, "examples", "fahras-searchd.service")
        with open(unit, encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn("@", text, "a placeholder was left unreplaced")
        m = re.search(r'^ExecStart="([^"]+)" --config (\S+)$', text, re.M)
        self.assertIsNotNone(m, text)
        self.assertEqual(m.group(1), os.path.join(self.bindir, "fahras-searchd"))
        self.assertIn("Documentation=file://" +
                      os.path.join(self.docdir, "docs", "PROTOCOL.md").replace(" ", "%%20"), text)
        tool = shutil.which("systemd-analyze")
        if tool is None:
            self.skipTest("systemd-analyze is not installed")
        r = subprocess.run([tool, "verify", unit], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        out = r.stdout.decode("utf-8", "replace")
        self.assertEqual(r.returncode, 0, out)
        self.assertNotIn("fahras-searchd.service:", out)  # e.g. "Failed to parse ..."


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmake", required=True)
    ap.add_argument("--build-dir", required=True)
    args, rest = ap.parse_known_args()
    CMAKE, BUILD_DIR = args.cmake, args.build_dir
    sys.argv = [sys.argv[0]] + rest
    fhtest.main()
