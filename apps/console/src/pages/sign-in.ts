import { api, problemText, session } from '../api';
import { field, h } from '../dom';
import type { Page } from '../router';

/** Platform sign-in; then back to where the admin was going. */
export function signInPage(onSignedIn: () => void): Page {
  return (ctx) => {
    const error = h('p', { class: 'error', role: 'alert' });
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
    const password = h('input', {
      type: 'password',
      name: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const form = h(
      'form',
      { class: 'stack' },
      field('Email', email),
      field('Password', password),
      h('button', { type: 'submit' }, 'Sign in'),
      error,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        error.textContent = '';
        const {
          data,
          error: problem,
          response,
        } = await api.POST('/api/v1/platform/auth/login', {
          body: { email: email.value, password: password.value },
        });
        if (!data) {
          error.textContent = problemText(problem, response);
          return;
        }
        session.keep(data);
        onSignedIn();
        const next = ctx.query.get('next');
        ctx.go(next && next.startsWith('/ops/') ? next : '/ops/tenants');
      })();
    });
    ctx.render('Sign in', h('p', {}, 'Platform administrators only.'), form);
  };
}
