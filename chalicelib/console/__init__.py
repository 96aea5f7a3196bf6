"""The staff console (`/console/`): server-rendered pages for operators and officials.

- `session.py`: the sealed session cookie and the CSRF token of every form;
- `oidc.py`: the OpenID Connect authorization-code flow with PKCE (sign-in);
- `pages.py`: the Jinja2 environment, the texts in kk/ru/en and the security headers of every page;
- `forms.py`: the review form's fields, made from the answer shape of the registry a document stands for;
- `templates/`, `static/`: the pages, their stylesheet and the little JavaScript they need (NCALayer signing).

The routes are in `chalicelib/entrypoints/console.py`; every action calls the same use case as the API.
"""
