# ruff: noqa: E501
"""Name, place and organisation pools for the synthetic training data.

The hand-written held-out set (assets/heldout.jsonl) deliberately uses other names;
scripts/check_overlap.py reports any name shared between the two.
"""

from __future__ import annotations


def _bar(text: str, newline: str = "") -> list[str]:
    """Split a "|"-separated multi-line string."""
    return text.replace("\n", newline).split("|")


BANGLADESHI_FIRST = [
    "Mohammad",
    "Muhammad",
    "Md.",
    "Abdul",
    "Abul",
    "Nurul",
    "Rafiqul",
    "Shahidul",
    "Mizanur",
    "Anisur",
    "Habibur",
    "Jahangir",
    "Kamal",
    "Jamal",
    "Rashed",
    "Sohel",
    "Sumon",
    "Rubel",
    "Faruk",
    "Mamun",
    "Shafiq",
    "Tariqul",
    "Monir",
    "Delwar",
    "Alamgir",
    "Fatema",
    "Ayesha",
    "Rokeya",
    "Nasrin",
    "Shirin",
    "Rehana",
    "Salma",
    "Taslima",
    "Shahnaz",
    "Sultana",
    "Jesmin",
    "Rupa",
]
BANGLADESHI_LAST = [
    "Rahman",
    "Islam",
    "Hossain",
    "Uddin",
    "Ahmed",
    "Alam",
    "Miah",
    "Mia",
    "Chowdhury",
    "Sarkar",
    "Talukder",
    "Bhuiyan",
    "Sheikh",
    "Mollah",
    "Haque",
    "Kabir",
    "Karim",
    "Begum",
    "Akter",
    "Khatun",
    "Sultana",
    "Biswas",
    "Mondal",
    "Howlader",
]

ROHINGYA_FIRST = [
    "Mohammed",
    "Noor",
    "Nur",
    "Abdu",
    "Sayed",
    "Zafar",
    "Anwar",
    "Rafiq",
    "Ayub",
    "Yunus",
    "Ismail",
    "Harun",
    "Salim",
    "Shafi",
    "Kamal",
    "Habib",
    "Jubair",
    "Hamida",
    "Rashida",
    "Senuara",
    "Minara",
    "Tasmin",
    "Setara",
    "Roshida",
    "Khaleda",
    "Nurjahan",
    "Sabekun",
    "Anowara",
    "Dildar",
    "Kala",
    "Rahim",
    "Jalal",
    "Foyez",
]
ROHINGYA_LAST = [
    "Ullah",
    "Alam",
    "Hussain",
    "Hossain",
    "Ahmed",
    "Islam",
    "Khan",
    "Begum",
    "Khatun",
    "Bibi",
    "Akter",
    "Kabir",
    "Zaman",
    "Amin",
    "Rashid",
    "Shah",
    "Karim",
    "Hasan",
]

AFGHAN_FIRST = [
    "Ahmad",
    "Mohammad",
    "Abdul",
    "Ali",
    "Hassan",
    "Hussain",
    "Reza",
    "Mahdi",
    "Mustafa",
    "Jawad",
    "Sayed",
    "Zabihullah",
    "Najibullah",
    "Hamid",
    "Farid",
    "Wahid",
    "Naveed",
    "Obaidullah",
    "Sharif",
    "Qasim",
    "Zahir",
    "Bashir",
    "Nasir",
    "Karim",
    "Zainab",
    "Fatima",
    "Masuma",
    "Zahra",
    "Farzana",
    "Shabnam",
    "Mariam",
    "Nargis",
    "Laila",
    "Sima",
    "Parisa",
    "Khadija",
]
AFGHAN_LAST = [
    "Rahimi",
    "Hakimi",
    "Ahmadi",
    "Hosseini",
    "Mohammadi",
    "Karimi",
    "Rezaei",
    "Jafari",
    "Sultani",
    "Haidari",
    "Nazari",
    "Qasimi",
    "Amiri",
    "Sharifi",
    "Stanekzai",
    "Popal",
    "Durrani",
    "Wardak",
    "Noori",
    "Sadat",
    "Yousufi",
    "Azizi",
    "Rasuli",
    "Hazara",
    "Mohseni",
    "Alizada",
    "Akbari",
    "Barakzai",
]

CHINESE_NAMES = _bar(
    """Wang Wei|Li Na|Zhang Wei|Liu Yang|Chen Jie|Yang Fan|Zhao Lei|Huang Xin|Zhou Min
|Wu Hao|Xu Jing|Sun Li|Ma Jun|Zhu Hong|Hu Bin|Guo Qiang|He Ping|Lin Feng|Luo Xia|Gao Yan|Liang Chen
|Song Tao|Zheng Hui|Xie Dong|Han Mei|Tang Yi|Feng Lan|Deng Kai|Cao Rui|Peng Yu|Zeng Hua|Xiao Bo
|Wang Xiaoming|Li Jianguo|Zhang Lihua|Chen Guoqiang|Liu Hongmei|Yang Zhiyong"""
)

UYGHUR_NAMES = _bar(
    """Abdurehim Tursun|Mehmet Emin|Gulnar Obul|Ablikim Yasin|Nurmemet Tohti|Patigul Ehmet
|Memtimin Kadir"""
)

INDONESIAN_FULL = _bar(
    """Budi Santoso|Sri Wahyuni|Agus Salim|Dewi Lestari|Bambang Susilo|Siti Aminah
|Eko Prasetyo|Rina Marlina|Hendra Gunawan|Yudi Hartono|Teguh Wibowo|Ratna Sari|Andi Saputra
|Joko Susanto|Rudi Hermawan|Wahyu Nugroho|Dedi Kurniawan|Fitri Handayani|Indah Permata
|Irwan Setiawan|Muhammad Iqbal|Ahmad Fauzi|Rizky Ramadhan|Nurul Hidayah|Taufik Hidayat
|Arief Rachman|Yusuf Mansur|Hasan Basri|Zulkifli Hasan|Teuku Fadli|Cut Meutia|Teuku Rizal
|Muhammad Nasir|Syahrul Ramadhan|Fadhil Akbar|Iskandar Muda|Irfan Maulana|Suryadi Pratama
|Heru Purnomo|Slamet Riyadi|Wawan Setiadi|Yuliana Putri|Desi Ratnasari|Kartika Dewi
|Bagus Wicaksono|Made Suartana|Ketut Sudarsana|Nyoman Arsana|Yohanes Nahak|Maria Goreti
|Benny Mamoto|Franky Sompie|Ronald Tampubolon|Sahat Simanjuntak|Roni Sitorus"""
)

INDONESIAN_MONONYMS = [
    "Sukarno",
    "Suharto",
    "Soeharto",
    "Sutrisno",
    "Sumarno",
    "Sugiyono",
    "Wahyudi",
    "Suparman",
    "Mulyadi",
    "Nur",
    "Nurhayati",
    "Sumiati",
    "Suyanto",
    "Supriyadi",
    "Darmawan",
    "Haryanto",
    "Purnomo",
    "Subagyo",
    "Suwarno",
    "Sutarman",
    "Samsudin",
    "Mardiyah",
    "Rusdi",
    "Ponimin",
    "Tukiman",
    "Warsito",
    "Hartini",
    "Sulastri",
    "Jumadi",
    "Karyono",
    "Zulkarnain",
    "Syamsuddin",
    "Munir",
    "Rahmat",
    "Hamdani",
    "Marzuki",
    "Saiful",
    "Yusri",
    "Fakhrurrazi",
    "Mukhlis",
    "Sarjono",
    "Supardi",
    "Mujiono",
    "Paimin",
    "Sukijan",
    "Tarmizi",
    "Jufri",
    "Hasnah",
    "Mursyidah",
    "Sakdiah",
    "Ponirah",
    "Rukiah",
    "Asmah",
    "Kamaruddin",
    "Bahtiar",
    "Zainuddin",
    "Sudirman",
    "Baharuddin",
    "Mahmuddin",
    "Sukiman",
    "Legiman",
    "Sumirah",
    "Wartini",
]

OTHER_FOREIGN = _bar(
    """Ahmed Yusuf Abdi|Hodan Ali Farah|Mohamed Abdullahi|Sivakumar Rajan|Tharshan
Nadarajah|Reza Tehrani|Omid Karimian|Samir Haddad|Yusuf Osman|Omar Farouk""",
    " ",
)

ENGLISH_NAMES = _bar(
    """John Smith|Sarah Thompson|David Miller|Emma Clarke|James Walker|Anna Fischer
|Peter Jensen|Marie Dubois|Thomas Reed|Laura Bennett|Michael O'Brien|Helen Carter
|Robert Hughes|Claire Martin|Daniel Evans"""
)

EN_TITLES = [
    "Mr.",
    "Mr",
    "Mrs.",
    "Ms.",
    "Miss",
    "Dr.",
    "Prof.",
    "Sheikh",
    "Haji",
    "Hajji",
    "Imam",
    "Mullah",
    "Maulana",
    "Hafiz",
]
ID_TITLES = [
    "Bapak",
    "Bpk.",
    "Pak",
    "Ibu",
    "Bu",
    "Haji",
    "H.",
    "Hj.",
    "Saudara",
    "Sdr.",
    "Saudari",
    "Tuan",
    "Nyonya",
    "Ny.",
    "Ustaz",
    "Kyai",
    "Drs.",
    "Dr.",
    "Ir.",
]
POLICE_RANKS = [
    "Brigjen Polisi",
    "Brigjen Pol.",
    "Brigjen Pol",
    "Brigjen",
    "Kombes Pol.",
    "Kombes Pol",
    "Kombes",
    "Komisaris Besar Polisi",
    "AKBP",
    "Kompol",
    "AKP",
    "Iptu",
    "Ipda",
    "Aiptu",
    "Aipda",
    "Bripka",
    "Brigadir",
    "Briptu",
    "Bripda",
    "Irjen Pol.",
    "Irjen",
    "Komjen Pol.",
    "Jenderal Polisi",
    "Inspektur Jenderal Polisi",
]
MILITARY_RANKS = [
    "Letkol Laut (P)",
    "Kolonel Laut",
    "Mayor",
    "Kapten",
    "Letda",
    "Serka",
    "Laksma TNI",
    "Kolonel",
    "Letkol",
]
EN_RANKS = [
    "Police Commissioner",
    "Chief Inspector",
    "Inspector",
    "Sergeant",
    "Captain",
    "Colonel",
    "Commissioner",
    "Adjunct Senior Commissioner",
    "Officer",
    "Brigadier General",
    "Lieutenant",
]
ROLE_PREFIXES_ID = [
    "Kapolres",
    "Kapolda",
    "Kapolsek",
    "Kasat Reskrim",
    "Kasi Humas",
    "Kepala Rudenim",
    "Kepala Kantor Imigrasi",
    "Kabid Humas",
    "Kadiv Humas",
    "Dirpolairud",
    "Kakanwil",
    "Bupati",
    "Wali Kota",
    "Camat",
    "Panglima Laot",
]
ROLE_PREFIXES_EN = [
    "Police Chief",
    "the head of",
    "spokesperson",
    "spokesman",
    "Director",
    "chief of",
]
DEGREE_SUFFIXES = [", S.H.", ", S.I.K.", ", S.H., M.H.", ", M.Si.", ", S.Sos.", ", S.I.K., M.Si."]

ORG_ACRONYMS = [
    "UNHCR",
    "IOM",
    "Polri",
    "Imigrasi",
    "Rudenim",
    "Kemenkumham",
    "Basarnas",
    "Bakamla",
    "KKP",
    "TNI",
    "Polda",
    "Polres",
    "Polairud",
    "KPAI",
    "Kemenlu",
    "Kemensos",
    "BNPB",
    "Satgas",
    "PPLN",
    "SAR",
    "PMI",
    "JRS",
    "CWS",
    "HRW",
    "UNICEF",
    "WFP",
    "ACT",
    "Kemenko",
    "Polhukam",
    "Ditjen",
    "Imigrasi",
    "Kanim",
    "Dinsos",
    "BPBD",
    "Lanal",
    "Lantamal",
    "Pemkab",
    "Pemkot",
    "SUAKA",
]

ORGS_EN = _bar(
    """UNHCR|IOM|the UN refugee agency|the International Organization for Migration
|Indonesian National Police|National Police|Polri|Indonesian Navy|Basarnas|the Directorate General of Immigration
|the Immigration Office|the Ministry of Law and Human Rights|Kemenkumham|Rudenim Jakarta
|Rudenim Medan|Rudenim Pekanbaru|Rudenim Tanjungpinang|Rudenim Makassar|Rudenim Kupang
|Jesuit Refugee Service|Church World Service|Human Rights Watch|Amnesty International
|the Indonesian Red Cross|Palang Merah Indonesia|Dompet Dhuafa|Aceh Police|the Aceh Police
|North Aceh Police|the Coordinating Ministry for Political, Legal and Security Affairs
|the Foreign Ministry|the Bangladesh Embassy|the Embassy of Afghanistan|the Chinese Embassy
|the Myanmar Embassy|the Royal Thai Navy|the Malaysian Maritime Enforcement Agency
|Bakamla|the Maritime Security Agency|Task Force for Refugee Handling|Satgas PPLN
|SUAKA|the Legal Aid Institute|LBH Jakarta|KontraS|UNICEF|the World Food Programme
|Bareskrim|Interpol|the NCB Interpol Indonesia|Divhubinter Polri|the Australian Federal Police
|Geutanyoe Foundation|Yayasan Geutanyoe|the Social Affairs Office"""
)

ORGS_ID = _bar(
    """UNHCR|IOM|Kepolisian Negara Republik Indonesia|Polri|Polda Aceh|Polres Aceh Utara
|Polres Pidie|Polres Aceh Timur|Polres Bireuen|Polresta Banda Aceh|Polres Lhokseumawe
|Polda Sumatera Utara|Polda Riau|Polda Kepri|Polda NTT|Polda Sulsel|Polda Metro Jaya
|Polsek Muara Batu|Ditpolairud Polda Aceh|Direktorat Polairud|Bareskrim Polri
|Divisi Hubungan Internasional Polri|Divhubinter Polri|NCB Interpol Indonesia|Imigrasi
|Direktorat Jenderal Imigrasi|Ditjen Imigrasi|Kantor Imigrasi Kelas I Medan|Kantor Imigrasi Lhokseumawe
|Kanim Kelas II Sabang|Rudenim Jakarta|Rudenim Medan|Rudenim Pekanbaru|Rudenim Tanjungpinang
|Rumah Detensi Imigrasi Makassar|Rudenim Kupang|Rudenim Surabaya|Kemenkumham|Kementerian Hukum dan HAM
|Kanwil Kemenkumham Aceh|Kementerian Luar Negeri|Kemenlu|Kemenko Polhukam|Kementerian Sosial
|Dinas Sosial Aceh Utara|Dinsos|Basarnas|Basarnas Banda Aceh|Kantor SAR Banda Aceh|Bakamla
|TNI AL|Lanal Lhokseumawe|Lantamal I Belawan|Pemkab Aceh Utara|Pemerintah Kota Lhokseumawe
|Pemprov Aceh|Satgas PPLN|Satgas Penanganan Pengungsi Luar Negeri|Palang Merah Indonesia|PMI
|Yayasan Geutanyoe|Jesuit Refugee Service|JRS|Dompet Dhuafa|ACT|LBH Banda Aceh|KontraS
|Panglima Laot|Kedutaan Besar Bangladesh|Kedubes Myanmar|Kedubes Afghanistan|Kedubes Tiongkok
|Badan Nasional Penanggulangan Bencana|BPBD Aceh Utara|KPAI|Komnas HAM|Ombudsman RI"""
)

LOCS_ID = _bar(
    """Aceh|Aceh Utara|Aceh Timur|Aceh Besar|Pidie|Bireuen|Lhokseumawe|Banda Aceh|Sabang
|Pulau Weh|Langsa|Idi Rayeuk|Kuala Idi|Krueng Raya|Ladong|Blang Adoe|Muara Batu|Jangka
|Medan|Belawan|Tanjungbalai|Pekanbaru|Dumai|Tanjungpinang|Batam|Bintan|Makassar|Kupang
|Rote|Jakarta|Jakarta Pusat|Kalideres|Bogor|Cisarua|Puncak|Surabaya|Sidoarjo|Semarang
|Denpasar|Mataram|Pontianak|Manado|Sumatera Utara|Riau|Kepulauan Riau|Nusa Tenggara Timur
|Sulawesi Selatan|Jawa Barat|Jawa Timur|Selat Malaka|Laut Andaman|Samudra Hindia|Indonesia
|Malaysia|Thailand|Myanmar|Bangladesh|Afghanistan|Pakistan|Iran|India|Sri Lanka|Tiongkok
|China|Australia|Pulau Christmas|Kuala Lumpur|Penang|Cox's Bazar|Kutupalong|Balukhali|Teknaf
|Bhasan Char|Rakhine|Sittwe|Maungdaw|Buthidaung|Yangon|Dhaka|Chittagong|Sylhet|Kabul|Herat
|Kandahar|Mazar-i-Sharif|Ghazni|Jaghori|Quetta|Karachi|Teheran|Kunming|Yunnan|Xinjiang|Guangxi
|Pantai Ujong Blang|Pantai Lampuuk|Gampong Jawa|Pelabuhan Belawan|Bandara Soekarno-Hatta
|Pelabuhan Tanjung Priok|Desa Meunasah Sagoe|Kecamatan Muara Batu|Gampong Blang Mee
|Kabupaten Aceh Utara|Kota Lhokseumawe|Desa Pulo Aceh|Kecamatan Jangka|Provinsi Aceh"""
)

LOCS_EN = _bar(
    """Aceh|North Aceh|East Aceh|Pidie|Lhokseumawe|Banda Aceh|Sabang|Weh Island|Medan
|Pekanbaru|Tanjung Pinang|Batam|Makassar|Kupang|Jakarta|Bogor|Cisarua|Surabaya|Bali
|North Sumatra|Riau Islands|East Nusa Tenggara|South Sulawesi|West Java|the Malacca Strait
|the Strait of Malacca|the Andaman Sea|the Indian Ocean|Indonesia|Malaysia|Thailand|Myanmar
|Bangladesh|Afghanistan|Pakistan|Iran|India|Sri Lanka|China|Australia|Christmas Island
|Kuala Lumpur|Penang|Cox's Bazar|Kutupalong|Teknaf|Bhasan Char|Rakhine State|Rakhine|Sittwe
|Maungdaw|Yangon|Dhaka|Chittagong|Kabul|Herat|Kandahar|Mazar-i-Sharif|Ghazni|Quetta|Karachi
|Tehran|Kunming|Yunnan|Xinjiang|Guangzhou|Ujong Blang|Lampuuk|Belawan
|Soekarno-Hatta|Tanjung Priok|Kalideres|Jagakarsa|Lhoksukon|Pulo Aceh|Mandalay|Peshawar
|Kathmandu"""
)

# NATIONALITY: demonyms and ethnic groups of people; country names when used as citizenship
NAT_EN = [
    "Rohingya",
    "Afghan",
    "Bangladeshi",
    "Chinese",
    "Uyghur",
    "Hazara",
    "Burmese",
    "Myanmar",
    "Pakistani",
    "Iranian",
    "Somali",
    "Sri Lankan",
    "Indonesian",
    "Malaysian",
    "Sudanese",
    "Iraqi",
    "Yemeni",
    "Ethiopian",
    "Eritrean",
    "Palestinian",
    "Tamil",
    "Thai",
    "Indian",
    "Nepali",
]
NAT_ID_COUNTRY = [
    "Afghanistan",
    "Bangladesh",
    "Myanmar",
    "Tiongkok",
    "China",
    "Pakistan",
    "Iran",
    "Somalia",
    "Sri Lanka",
    "Indonesia",
    "Malaysia",
    "Sudan",
    "Irak",
    "Yaman",
    "Ethiopia",
    "Eritrea",
    "Palestina",
    "India",
    "Nepal",
    "Thailand",
]
NAT_ID_ETHNIC = [
    "Rohingya",
    "Hazara",
    "Uighur",
    "Uyghur",
    "Tamil",
    "Tionghoa",
    "Pashtun",
    "Tajik",
    "Bengali",
    "Somali",
]

MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTHS_EN_SHORT = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
]
MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
MONTHS_ID_SHORT = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Mei",
    "Jun",
    "Jul",
    "Agu",
    "Sep",
    "Okt",
    "Nov",
    "Des",
]
DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAYS_ID = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]

BURMESE_NAMES = _bar(
    """Aung Ko Latt|Thandar Win|Min Thu|Zaw Myo Oo|Hla Hla Aye|Soe Naing|Nyein Chan
|Tin Maung Win|Khin Sandar"""
)

# generic words after an English place name (outside the LOC span)
EN_PLACE_NOUNS = [
    "beach",
    "port",
    "airport",
    "harbour",
    "district",
    "village",
    "camp",
    "regency",
    "province",
    "island",
    "coast",
    "waters",
]
# organisations built from a unit + a place: "Polres Aceh Utara", "Rudenim Kupang", ...
ORG_UNITS_ID = [
    "Polres",
    "Polresta",
    "Polsek",
    "Polda",
    "Satreskrim Polres",
    "Satpolairud Polres",
    "Kantor Imigrasi",
    "Kantor Imigrasi Kelas I",
    "Kantor Imigrasi Kelas II",
    "Kanim",
    "Rudenim",
    "Dinas Sosial",
    "Dinsos",
    "Basarnas",
    "Kantor SAR",
    "Pemkab",
    "Pemkot",
    "BPBD",
    "Lanal",
    "Kanwil Kemenkumham",
    "Kejaksaan Negeri",
    "Pengadilan Negeri",
    "RSUD",
    "PMI",
]
ORG_UNITS_EN = [
    "{} Police",
    "{} Immigration Office",
    "{} Detention Centre",
    "{} District Court",
    "{} Social Affairs Office",
    "{} Search and Rescue Office",
    "{} Regency Government",
    "{} General Hospital",
]
UNIT_PLACES = [
    "Aceh Utara",
    "Aceh Timur",
    "Aceh Barat",
    "Aceh Besar",
    "Aceh Selatan",
    "Pidie",
    "Pidie Jaya",
    "Bireuen",
    "Lhokseumawe",
    "Langsa",
    "Sabang",
    "Banda Aceh",
    "Medan",
    "Belawan",
    "Batam",
    "Tanjungpinang",
    "Pekanbaru",
    "Dumai",
    "Kupang",
    "Makassar",
    "Surabaya",
    "Semarang",
    "Jakarta Barat",
    "Bogor",
    "Tangerang",
    "Manado",
    "Pontianak",
    "Denpasar",
    "Mataram",
    "Palembang",
    "Padang",
    "Jambi",
    "Kendari",
    "Bima",
    "Sumbawa",
    "Nunukan",
    "Tarakan",
    "Asahan",
    "Labuhanbatu",
    "Serdang Bedagai",
]
ARMED_GROUPS = ["Taliban", "Arakan Army", "ARSA", "Tatmadaw", "ISIS-K"]

# Indonesian first names and family/second names, combined freely (Batak, Minang, Javanese, ...)
INDONESIAN_FIRST = _bar(
    """Andi|Rizal|Fajar|Dimas|Yoga|Arif|Fikri|Reza|Ilham|Bayu|Galih|Hendro|Rahmat|Nanda|Putra
|Aditya|Gilang|Taufan|Yusril|Ridwan|Lukman|Hafiz|Anisa|Dina|Fitria|Lestari|Ayu|Nurul|Wulan
|Rahma|Intan|Yanti|Sinta|Mega|Novi|Eka|Dwi|Tri|Sri|Tuti|Rudy|Agung|Bonar|Poltak|Marsel|Yosef"""
)
INDONESIAN_LAST = _bar(
    """Nasution|Harahap|Lubis|Simatupang|Pratama|Saputra|Wijaya|Kusuma|Hidayat|Syahputra|Panjaitan
|Situmorang|Hutapea|Tanjung|Chaniago|Koto|Piliang|Sembiring|Ginting|Tarigan|Manurung|Silalahi
|Wibisono|Prasetya|Nugraha|Ramadhani|Rahmawati|Handoko|Susilo|Purba|Mamahit|Rumagit|Pattiasina
|Latuconsina|Tuasikal|Fernandes|Ndolu|Bria|Lubis|Munthe|Aritonang|Damanik|Rangkuti|Batubara"""
)
# more given names and family names for Bangladeshi, Afghan and Chinese pools
BANGLADESHI_EXTRA = _bar(
    """Tanvir Ahmed|Sabbir Hossain|Imran Khan Shuvo|Mahmudul Hasan|Arif Billah|Nazrul Islam Babu
|Shahadat Hossain|Ruhul Amin|Mostafizur Rahman|Moinul Haque|Khaleda Parveen|Sharmin Akter
|Nusrat Jahan|Mahbuba Khatun|Sadia Afrin|Rokshana Parvin|Ashraful Alam|Zakir Hossain Sarker"""
)
AFGHAN_EXTRA = _bar(
    """Gul Ahmad Zazai|Abdul Wali Safi|Najib Sultani|Samiullah Amarkhel|Rohullah Nikpai|Hamidullah
Nasiri|Khalid Sadaat|Fawad Mohmand|Shukria Barakzai|Marzia Hussaini|Nilofar Sakhi|Habiba Sarabi
|Mohammad Ishaq Alizai|Rahmatullah Nabil|Zakia Khudadadi|Farzad Farnood|Soraya Noorzai""",
    " ",
)
CHINESE_EXTRA = _bar(
    """Zhou Jielun|Xu Zhiqiang|Ren Xiaoyan|Dong Mingzhu|Yuan Hongbing|Jiang Wen|Shen Yue|Qian Liwei
|Yu Haiyan|Pan Jianhua|Du Fang|Wei Lanying|Ye Qing|Cheng Long|Su Xin|Lu Jia|Fan Bingbing
|Kong Lingwei|Bai Yun|Cui Jian|Tan Meiling|Hou Yi|Shao Gang|Meng Fanyu|Qiao Ning|Xue Mei"""
)
ROHINGYA_EXTRA = _bar(
    """Mohammad Hashim|Abul Kalam|Noor Hossain|Shona Meher|Rohima Khatun|Zahid Hussain|Syed Alam
|Mohammed Salim|Nur Begum|Dil Mohammed|Kefayet Ullah|Rashid Ullah|Amina Khatun|Jannat Ara
|Hamid Hussain|Sultan Ahmed|Nobi Hussain|Johura Begum|Shah Alam|Kobir Ahmed"""
)
