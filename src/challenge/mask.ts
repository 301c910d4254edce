/** `a••••@example.com`: recognisable to the owner, useless to a sharer. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}${'•'.repeat(Math.min(6, Math.max(3, at - 1)))}${email.slice(at)}`;
}

/** `•••• ••78`: the last two digits only. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `•••• ••${digits.slice(-2)}`;
}
