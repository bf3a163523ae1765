// A real OpenID Connect provider (panva's oidc-provider) for the single sign-on journey.
// PORT, REDIRECT_URI and ACCOUNTS_FILE come from the environment; the accounts file is read
// again at every sign-in ({"subject": {"email": ..., "email_verified": ..., "name": ...}}),
// so a test can change a person's e-mail between two sign-ins. Its login form (the
// provider's development interactions) takes the subject as the login and any password.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = () => JSON.parse(readFileSync(process.env.ACCOUNTS_FILE, 'utf8'));

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'prm',
    client_secret: 'prm-test-client-secret',
    redirect_uris: [process.env.REDIRECT_URI],
    post_logout_redirect_uris: [process.env.REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The app reads the identity token's claims only: put e-mail and name in it.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    const person = accounts()[sub];
    if (!person) return undefined;
    return { accountId: sub, async claims() { return { sub, ...person }; } };
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // Sign out without asking (the default page asks "Do you want to sign-out?").
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><body>${form}
          <script>var f=document.forms[0];var i=document.createElement('input');
          i.type='hidden';i.name='logout';i.value='yes';f.appendChild(i);f.submit();</script>
          </body></html>`;
      },
    },
  },
  pkce: { required: () => false },
  cookies: { keys: ['prm-test-cookie-key'] },
});
provider.listen(port, '127.0.0.1', () => console.log(`oidc provider ready at ${issuer}`));
