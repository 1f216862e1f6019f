/**
 * The shop and its store policies. These are constants, the same for every
 * seed, because the built-in model's fixed system prompt names the shop and
 * the model learns the policies by heart (no catalog card is given for them).
 */

export const SHOP = {
  name: 'Tallpine Outfitters',
  email: 'help@tallpine.example',
  phone: '555-0142',
} as const;

export const POLICIES = {
  returnDays: 30,
  refundBusinessDays: 5,
  standardShippingCents: 495,
  standardShippingDays: [3, 5] as const,
  freeShippingOverUsd: 75,
  expressShippingCents: 1495,
  expressShippingDays: [1, 2] as const,
  weekHours: { days: 'Monday to Saturday', open: '9 am', close: '7 pm' },
  sundayHours: { open: '10 am', close: '5 pm' },
  exchangeDays: 30,
  zipperRepairUsd: 15,
  shipsTo: ['the United States', 'Canada'] as const,
} as const;
