/**
 * Invented proper names of the shop's world: brands, product model words and
 * customers' first names. Brands and model words are coined for this corpus so
 * that a held-out one can be searched for in the training text without
 * matching ordinary words.
 */

export const BRANDS: readonly string[] = [
  'Alderpeak', 'Brackenfold', 'Cinderfell', 'Dunmarrow', 'Elkhollow', 'Fernwright', 'Glimmerstone', 'Hollowmere',
  'Ironbirch', 'Kestrelwood', 'Lowtarn', 'Mossgarth', 'Northcairn', 'Sundrift', 'Tamberlake',
];

export const MODEL_WORDS: readonly string[] = [
  'Abrant', 'Belvane', 'Caldris', 'Dorrow', 'Elvarn', 'Farrowin', 'Galdor', 'Hesket', 'Ilvane', 'Jorvel',
  'Kalder', 'Lumbra', 'Marrick', 'Nethra', 'Orvane', 'Pellow', 'Quarne', 'Rasket', 'Selvin', 'Torvik',
  'Ulmara', 'Varrow', 'Wendrel', 'Yarrick', 'Zephrin', 'Astrel', 'Brontel', 'Cobrin', 'Dravis', 'Embril',
  'Fennick', 'Grismar', 'Halvorn', 'Isker', 'Jestrel', 'Korrin', 'Lathmor', 'Mirrow', 'Norvale', 'Ostrin',
  'Pentrel', 'Quorra', 'Rindle', 'Sarrow', 'Tamsel', 'Umbrin', 'Vessik', 'Wistrel', 'Xandor', 'Yestle',
  'Zorvan', 'Alcren', 'Birrel', 'Corvane', 'Delvin', 'Estmar', 'Firthen', 'Glenmar', 'Harrowin', 'Ivrel',
  'Jandor', 'Kestrin', 'Lorwen', 'Mossel', 'Nimbrel', 'Orrick', 'Pallow', 'Quinvar', 'Rookel', 'Sorvik',
  'Thessel', 'Urrin', 'Valdren', 'Wyndle', 'Yarrowin', 'Zandril', 'Arvik', 'Bexel', 'Dunvel', 'Elkin',
  'Fallor', 'Gantrel', 'Heskin', 'Ithrel', 'Jarvel', 'Kinrel', 'Lindor', 'Marvik', 'Nesvel', 'Orlin',
  'Pindor', 'Quillan', 'Rossel', 'Stennick', 'Tirrel', 'Uldor', 'Vantrel', 'Wexel', 'Yorrin', 'Zarvel',
];

/** Suffixes that turn one model word into a product line (Torvik, Torvik Lite, Torvik Pro...). */
export const MODEL_SUFFIXES: readonly string[] = ['', 'Lite', 'Pro', 'UL', 'Plus', 'X', 'Trail', 'Max'];

export const FIRST_NAMES: readonly string[] = [
  'Ana', 'Ben', 'Carla', 'Dmitri', 'Elena', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonah',
  'Keiko', 'Lucas', 'Maya', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rafael', 'Sofia', 'Tariq',
  'Ursula', 'Wendell', 'Walter', 'Xavier', 'Yara', 'Zoe', 'Amir', 'Bianca', 'Chen', 'Diego',
  'Emma', 'Felix', 'Hana', 'Ivan', 'Julia', 'Kofi', 'Lena', 'Marco', 'Nina', 'Oskar',
];
