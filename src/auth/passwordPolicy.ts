// Which new passwords the native authenticator accepts: a minimum length, not the user's own
// name, not one of the most common passwords.

/** The most common passwords of public breach lists (lowercased); enough to stop the obvious. */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '123456', '123456789', '12345678', '1234567890', '12345', '1234567', '123123', '111111', '000000', '654321',
  '666666', '121212', '112233', '123321', '987654321', '11111111', '88888888', '87654321', '1q2w3e4r', '1q2w3e4r5t',
  '1qaz2wsx', 'qwerty', 'qwerty123', 'qwertyuiop', 'qwerty1', 'asdfgh', 'asdfghjkl', 'zxcvbnm', 'azerty', 'qazwsx',
  'password', 'password1', 'password12', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'pass1234', 'passwort', 'motdepasse',
  'abc123', 'abcd1234', 'abcdef', 'abcdefg', 'abcdefgh', 'a1b2c3d4', 'aa123456', 'iloveyou', 'iloveyou1', 'letmein',
  'letmein1', 'welcome', 'welcome1', 'welcome123', 'admin', 'admin123', 'administrator', 'root', 'toor', 'login',
  'master', 'monkey', 'dragon', 'football', 'baseball', 'sunshine', 'princess', 'shadow', 'superman', 'batman',
  'trustno1', 'starwars', 'whatever', 'freedom', 'michael', 'jennifer', 'jessica', 'charlie', 'donald', 'hello123',
  'changeme', 'changeit', 'secret', 'secret123', 'test1234', 'testtest', 'test123', 'guest', 'default', 'jupyter',
  'jupyterhub', 'notebook', 'student', 'student1', 'teacher', 'computer', 'internet', 'mustang', 'access', 'killer',
]);

export interface PasswordRules {
  minimumLength: number;
}

/** Why `password` is not acceptable for `username`, or null (message safe to show). */
export function passwordProblem(username: string, password: string, rules: PasswordRules): string | null {
  const chars = [...password].length;
  if (chars < rules.minimumLength) return `Password must be at least ${rules.minimumLength} characters long.`;
  const lower = password.toLowerCase();
  if (lower === username.toLowerCase()) return 'Password must not be the same as the username.';
  if (COMMON_PASSWORDS.has(lower)) return 'This password is too common. Please choose another one.';
  if (/^(.)\1*$/u.test(password)) return 'Password must not repeat a single character.';
  return null;
}
