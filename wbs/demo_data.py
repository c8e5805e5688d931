"""Demo data: the OPD of a typical kabupaten, the seed categories, demo staff accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.crypto import Argon2Params, UnitPrivateKey
from wbs.keyring import active_unit_key, wrap_for_officer
from wbs.kinerja.demo import load_demo_kinerja
from wbs.models import Agency, Category, Staff
from wbs.staff_accounts import create_staff

# Perangkat daerah of a kabupaten as PP 18/2016 organises them.
AGENCIES = [
    ("SETDA", "Sekretariat Daerah"),
    ("SETWAN", "Sekretariat DPRD"),
    ("INSPEKTORAT", "Inspektorat Daerah"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("BAPENDA", "Badan Pendapatan Daerah"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik"),
    ("DISDIK", "Dinas Pendidikan dan Kebudayaan"),
    ("DINKES", "Dinas Kesehatan"),
    ("RSUD", "Rumah Sakit Umum Daerah"),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("DISPERKIM", "Dinas Perumahan dan Kawasan Permukiman"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja"),
    ("DINSOS", "Dinas Sosial"),
    ("DISNAKER", "Dinas Tenaga Kerja dan Transmigrasi"),
    ("DP3AP2KB", "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan KB"),
    ("DKPP", "Dinas Ketahanan Pangan dan Pertanian"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa"),
    ("DISHUB", "Dinas Perhubungan"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika"),
    ("DISKOPUKM", "Dinas Koperasi, Usaha Kecil dan Menengah"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("DISPORAPAR", "Dinas Kepemudaan, Olahraga dan Pariwisata"),
    ("DISPERPUSIP", "Dinas Perpustakaan dan Kearsipan"),
    ("DKP", "Dinas Kelautan dan Perikanan"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan"),
    ("KEC-KOTA", "Kecamatan Kota"),
    ("KEC-UTARA", "Kecamatan Utara"),
]

# DOMAIN.md, "Categories (seed list)".
CATEGORIES = [
    ("korupsi", "Korupsi / kerugian keuangan daerah", "Corruption / loss of regional funds"),
    ("suap", "Suap / pemerasan", "Bribery / extortion"),
    ("gratifikasi", "Gratifikasi", "Gratification (improper gifts)"),
    ("pungli", "Pungutan liar", "Illegal levies"),
    ("benturan-kepentingan", "Benturan kepentingan", "Conflict of interest"),
    ("penyalahgunaan-wewenang", "Penyalahgunaan wewenang", "Abuse of power"),
    (
        "pengadaan",
        "Pengadaan barang/jasa (mark-up, persekongkolan, fiktif)",
        "Procurement fraud (mark-up, collusion, fictitious work)",
    ),
    (
        "disiplin",
        "Pelanggaran disiplin PNS (PP 94/2021)",
        "Breach of civil-servant discipline (PP 94/2021)",
    ),
    ("kode-etik", "Pelanggaran kode etik", "Breach of the code of ethics"),
    ("maladministrasi", "Maladministrasi pelayanan publik", "Maladministration of public services"),
    ("lainnya", "Lainnya", "Other"),
]

# Demo accounts, one per role. The passwords are public: never use demo data in production.
DEMO_STAFF = [
    ("verifikator", "Rina Verifikator", {"intake"}, "teh-manis-loket-satu-2026", None),
    ("pemeriksa", "Budi Pemeriksa", {"investigator"}, "jalan-braga-berkas-2026", None),
    ("irban", "Sri Irban", {"supervisor"}, "sawah-hijau-pagi-2026", None),
    ("pimpinan", "Bapak Bupati", {"leadership"}, "pendopo-rapat-pagi-2026", None),
    ("sakip", "Dewi SAKIP", {"sakip"}, "indikator-kinerja-rapi-2026", None),
    # Dinas Kesehatan's own accounts (e-SAKIP): they reach that agency only.
    (
        "operator-dinkes",
        "Ani Operator Dinkes",
        {"agency_staff"},
        "realisasi-bulan-ini-2026",
        "DINKES",
    ),
    ("kadinkes", "Hendra Kepala Dinkes", {"agency_head"}, "puskesmas-terakreditasi-2026", "DINKES"),
]
CASE_ROLES = {"intake", "investigator", "supervisor"}
DEMO_ADMIN = ("admin", "demo-pengelola-sistem-2026")


def load_reference_data(session: Session) -> bool:
    """Insert missing agencies and categories. True when anything was added."""
    added = False
    known_agencies = set(session.scalars(select(Agency.code)))
    for code, name in AGENCIES:
        if code not in known_agencies:
            session.add(Agency(code=code, name=name, active=True))
            added = True
    known_categories = set(session.scalars(select(Category.code)))
    for order, (code, name_id, name_en) in enumerate(CATEGORIES):
        if code not in known_categories:
            session.add(
                Category(code=code, name_id=name_id, name_en=name_en, sort_order=order, active=True)
            )
            added = True
    return added


def load_demo_staff(
    session: Session, private: UnitPrivateKey | None, params: Argon2Params, now: datetime
) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; officers get case access when
    the unit private key is at hand (right after init). Returns (user, password, roles)."""
    unit_key = active_unit_key(session)
    existing = set(session.scalars(select(Staff.username)))
    accounts = []
    agencies = {code: id_ for code, id_ in session.execute(select(Agency.code, Agency.id))}
    for username, name, roles, password, agency in DEMO_STAFF:
        if username not in existing:
            staff = create_staff(
                session,
                username=username,
                display_name=name,
                password=password,
                roles=roles,
                params=params,
                now=now,
            )
            staff.agency_id = agencies.get(agency) if agency else None
            if private is not None and roles & CASE_ROLES:
                wrap_for_officer(session, unit_key, private, staff, password, params, now)
        accounts.append((username, password, " ".join(sorted(roles))))
    # e-Kinerja (issue 7): ASN of Dinas Kesehatan and their month (after "kadinkes").
    return accounts + load_demo_kinerja(session, params, now)
